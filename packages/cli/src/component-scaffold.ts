/**
 * `weft components:init`: the files of a new custom component project — a small working component written with
 * `@weft/sdk` (an API-key connection and a "Get Item" action), its test against a local HTTP server, and the
 * package.json, tsconfig.json, vitest.config.ts and README.md to test, build and publish it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** A name or directory `components:init` refuses; `usage` marks a name that is not one (a usage error). */
export class ComponentScaffoldError extends Error {
  override name = 'ComponentScaffoldError';
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
  }
}

export interface ComponentNames {
  /** The component's key (and package name): the name in kebab case, `acme-widgets`. */
  key: string;
  /** Its label: `Acme Widgets`. */
  label: string;
}

const namePattern = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*$/;

/**
 * The key and label for a component name: letters, digits and single dashes, starting with a letter, in kebab
 * case (`acme-widgets`) or camel case (`acmeWidgets`, `AcmeWidgets`); both give the key `acme-widgets`.
 */
export function componentNames(name: string): ComponentNames {
  if (!namePattern.test(name)) {
    throw new ComponentScaffoldError(
      `'${name}' is not a component name: use letters, digits and dashes, starting with a letter and with no dash at the end or two in a row (as acme-widgets or acmeWidgets).`,
      true,
    );
  }
  const words = name
    .split('-')
    .flatMap((part) => part.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/))
    .filter((word) => word !== '');
  return {
    key: words.map((word) => word.toLowerCase()).join('-'),
    label: words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' '),
  };
}

export interface ScaffoldOptions {
  name: string;
  /** Where to create the project (default `./<name>`), relative to the current directory. */
  dir?: string;
}

export interface ScaffoldResult extends ComponentNames {
  /** The project's absolute path. */
  dir: string;
  /** The files written, relative to `dir`, with `/` separators. */
  files: string[];
}

/**
 * Creates a component project in `dir` (default `./<name>`): a directory that does not exist yet or is empty. A
 * non-empty directory, or a file in the way, is refused before anything is written.
 */
export async function scaffoldComponent(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const names = componentNames(options.name);
  const dir = path.resolve(options.dir ?? options.name);
  let entries: string[] | undefined;
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new ComponentScaffoldError(`${dir} is a file, not a directory.`);
    if (code !== 'ENOENT') {
      throw new ComponentScaffoldError(`Cannot read ${dir}: ${(error as Error).message}`);
    }
  }
  if (entries && entries.length > 0) {
    throw new ComponentScaffoldError(
      `${dir} is not empty (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}); nothing was written. Choose another directory with --dir, or empty this one.`,
    );
  }
  const files = componentFiles(names);
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, ...file.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text, { flag: 'wx' });
  }
  return { ...names, dir, files: Object.keys(files) };
}

/** The project's files by path: what `scaffoldComponent` writes. */
export function componentFiles({ key, label }: ComponentNames): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(packageJson(key, label), null, 2)}\n`,
    'tsconfig.json': tsconfigJson,
    'vitest.config.ts': vitestConfig,
    'README.md': readme(key, label),
    'src/index.ts': componentSource(key, label),
    'test/index.test.ts': componentTest(key, label),
    '.gitignore': 'node_modules/\ndist/\n',
  };
}

function packageJson(key: string, label: string): Record<string, unknown> {
  return {
    name: key,
    version: '1.0.0',
    private: true,
    description: `${label}: a custom Weft component`,
    type: 'module',
    main: 'src/index.ts',
    scripts: {
      build: 'weft components:build',
      test: 'vitest run',
      publish: 'weft components:publish',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { '@weft/sdk': '0.1.0' },
    devDependencies: { '@types/node': '^20.19.43', typescript: '5.9', vitest: '^4.1.12' },
  };
}

const tsconfigJson = `{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023"],
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "include": ["src", "test", "vitest.config.ts"]
}
`;

const vitestConfig = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
});
`;

function componentSource(key: string, label: string): string {
  return `import { action, type Connection, component, connection, input } from '@weft/sdk';

/** What deployers fill in: where the ${label} API is, and the key to call it with. */
export const apiKeyConnection = connection({
  key: 'apiKey',
  display: {
    label: '${label} API Key',
    description: 'The base URL of the ${label} API and an API key, sent as Authorization: Bearer <key>.',
  },
  inputs: {
    baseUrl: {
      label: 'Base URL',
      type: 'string',
      required: true,
      example: 'https://api.example.com/v1',
      comments: 'The API root; actions add their paths to it.',
    },
    apiKey: {
      label: 'API Key',
      type: 'password',
      required: true,
      comments: 'Sent as Authorization: Bearer.',
    },
  },
});

/** A connection input's value, checked: a connection whose fields hold a base URL and an API key. */
function toConnection(value: unknown): Connection & { fields: { baseUrl: string; apiKey: string } } {
  const fields = (value as Connection | undefined)?.fields;
  if (typeof fields?.baseUrl !== 'string' || fields.baseUrl === '') {
    throw new Error('expected a ${label} connection with a Base URL');
  }
  if (typeof fields.apiKey !== 'string' || fields.apiKey === '') {
    throw new Error('expected a ${label} connection with an API Key');
  }
  return value as Connection & { fields: { baseUrl: string; apiKey: string } };
}

export const getItem = action({
  display: { label: 'Get Item', description: 'Fetch one item by its ID' },
  inputs: {
    connection: input({ label: 'Connection', type: 'connection', required: true, clean: toConnection }),
    itemId: input({
      label: 'Item ID',
      type: 'string',
      required: true,
      example: '42',
      clean: (value: unknown) => {
        const id = String(value ?? '').trim();
        if (id === '') throw new Error('an item ID is required');
        return id;
      },
    }),
  },
  perform: async (context, { connection, itemId }) => {
    const url = \`\${connection.fields.baseUrl.replace(/\\/+$/, '')}/items/\${encodeURIComponent(itemId)}\`;
    context.logger.info(\`GET \${url}\`);
    const response = await fetch(url, {
      headers: { accept: 'application/json', authorization: \`Bearer \${connection.fields.apiKey}\` },
    });
    if (!response.ok) {
      const body = (await response.text()).slice(0, 200);
      throw new Error(
        \`GET \${url} answered \${response.status} \${response.statusText}\${body ? \`: \${body}\` : ''}\`,
      );
    }
    return { data: await response.json() };
  },
});

export default component({
  key: '${key}',
  display: { label: '${label}', description: 'Work with items in ${label}' },
  actions: { getItem },
  connections: [apiKeyConnection],
});
`;
}

function componentTest(key: string, label: string): string {
  return `import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnection, invokeAction } from '@weft/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import component, { apiKeyConnection } from '../src/index';

/** A stand-in for the ${label} API on 127.0.0.1: GET /api/items/:id with the right key answers the item. */
let server: Server;
let baseUrl: string;
const seen: Array<{ url: string; authorization: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    const match = /^\\/api\\/items\\/([^/?]+)$/.exec(request.url ?? '');
    if (request.headers.authorization !== 'Bearer test-key') {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}');
    } else if (request.method !== 'GET' || !match?.[1]) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such item"}');
    } else {
      const id = decodeURIComponent(match[1]);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id, name: \`Item \${id}\` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = \`http://127.0.0.1:\${(server.address() as AddressInfo).port}/api\`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** A connection config variable's value, as the platform passes it to the action. */
function connection(fields: { baseUrl: string; apiKey: string }) {
  return createConnection(apiKeyConnection, fields);
}

describe('${key}', () => {
  it('declares the Get Item action and the API key connection', () => {
    expect(component.key).toBe('${key}');
    expect(Object.keys(component.actions)).toEqual(['getItem']);
    expect(component.connections.map((declared) => declared.key)).toEqual(['apiKey']);
  });

  it('gets an item from the base URL, sending the API key', async () => {
    const { result, logs } = await invokeAction(component, 'getItem', {
      connection: connection({ baseUrl, apiKey: 'test-key' }),
      itemId: '42',
    });
    expect(result).toEqual({ data: { id: '42', name: 'Item 42' } });
    expect(seen.at(-1)).toEqual({ url: '/api/items/42', authorization: 'Bearer test-key' });
    expect(logs.map((log) => log.message)).toContain(\`GET \${baseUrl}/items/42\`);
  });

  it('fails with the status when the API refuses', async () => {
    await expect(
      invokeAction(component, 'getItem', {
        connection: connection({ baseUrl, apiKey: 'wrong-key' }),
        itemId: '42',
      }),
    ).rejects.toThrow(/answered 401/);
  });

  it('says which input is wrong', async () => {
    await expect(
      invokeAction(component, 'getItem', {
        connection: connection({ baseUrl, apiKey: 'test-key' }),
        itemId: ' ',
      }),
    ).rejects.toThrow(/input 'itemId' \\(Item ID\\): an item ID is required/);
  });
});
`;
}

function readme(key: string, label: string): string {
  return `# ${label}

A custom Weft component written with \`@weft/sdk\`: an **API Key** connection (base URL and
key) and a **Get Item** action that fetches \`<base URL>/items/<id>\` with the key as \`Authorization: Bearer\`.
Change \`src/index.ts\` to call your API: add actions, triggers, data sources and connections.

| file | what it is |
|---|---|
| \`src/index.ts\` | the component: its default export is what \`component({...})\` returns |
| \`test/index.test.ts\` | tests with \`invokeAction\` from \`@weft/sdk\` against a local HTTP server |
| \`package.json\` | \`"main": "src/index.ts"\` is what \`weft components:build\` bundles |

## @weft/sdk

Inside the Weft checkout (\`weft components:init\` run there) there is nothing to install: Node finds \`@weft/sdk\`,
\`vitest\` and \`typescript\` in the repository's \`node_modules\`. Elsewhere, install the dependencies with
\`npm install\` — \`@weft/sdk\` must be installed or linked (\`npm link @weft/sdk\` from a Weft checkout) for the
tests and the type check. \`weft components:build\` works either way: without a project copy it bundles the CLI's
own \`@weft/sdk\`.

## Test, build, publish

\`\`\`sh
npm test                      # vitest run
npm run typecheck             # tsc --noEmit
npx weft components:build     # bundles src/index.ts into dist/component.cjs (one CommonJS file for Node 20)
export WEFT_URL=http://127.0.0.1:3000 WEFT_TOKEN=weft_...
npx weft components:publish --comment "First version"   # builds, uploads: a new version of ${key}
npx weft components:versions ${key}
\`\`\`

Publishing the same code again changes nothing (\`${key} version N is unchanged\`); any change publishes version
N+1.

## Use it in an integration

Refer to the component by its key in a YAML integration; \`version: LATEST\` runs the newest published version,
and \`isPublic: false\` says it is your organization's own component. An excerpt:

\`\`\`yaml
requiredConfigVars:
  - key: ${label} Connection
    dataType: connection
    connection:
      key: apiKey
      component: {key: ${key}, version: LATEST, isPublic: false}
    orgOnly: false
flows:
  - name: Fetch Item
    steps:
      - name: Integration Trigger
        isTrigger: true
        action:
          key: webhook
          component: {key: webhook-triggers, version: LATEST, isPublic: true}
      - name: Get Item
        action:
          key: getItem
          component: {key: ${key}, version: LATEST, isPublic: false}
        inputs:
          connection: {type: configVar, value: ${label} Connection}
          itemId: {type: reference, value: integrationTrigger.results.body.data.id}
\`\`\`
`;
}
