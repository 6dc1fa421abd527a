/**
 * `weft components:init`: the files of a new custom component project — a small working component written with
 * `@weft/sdk` (an API-key connection and a "Get Item" action), its test against a local HTTP server, and the
 * package.json, tsconfig.json, vitest.config.ts and README.md to test, build and publish it. `@weft/sdk` is not on
 * the npm registry: the project gets the SDK this CLI carries as tarballs in `vendor/` (`carried-sdk.ts`), which its
 * package.json depends on, so `npm install` works anywhere.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { type CarriedPackage, carriedSdkTarballs } from './carried-sdk.js';

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
  let carried: CarriedPackage[];
  try {
    carried = await carriedSdkTarballs();
  } catch (error) {
    throw new ComponentScaffoldError(
      `Cannot pack the @weft/sdk this CLI carries for the project: ${(error as Error).message}`,
    );
  }
  const files: Record<string, string | Buffer> = componentFiles(names, carried);
  for (const sdkPackage of carried) files[`vendor/${sdkPackage.fileName}`] = sdkPackage.tarball;
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, ...file.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, text, { flag: 'wx' });
  }
  return { ...names, dir, files: Object.keys(files) };
}

/** The SDK packages a project depends on, by name: their tarballs' file names in `vendor/`. */
export type VendoredPackages = ReadonlyArray<Pick<CarriedPackage, 'name' | 'fileName'>>;

/** The project's text files by path: what `scaffoldComponent` writes, besides the tarballs in `vendor/`. */
export function componentFiles(
  { key, label }: ComponentNames,
  vendored: VendoredPackages,
): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(packageJson(key, label, vendored), null, 2)}\n`,
    'tsconfig.json': tsconfigJson,
    'vitest.config.ts': vitestConfig,
    'README.md': readme(key, label),
    'flow.yaml': flowYaml(key, label),
    'src/index.ts': componentSource(key, label),
    'test/index.test.ts': componentTest(key, label),
    '.gitignore': 'node_modules/\ndist/\n',
  };
}

/**
 * `@weft/sdk` and `@weft/definition` (the SDK's one Weft dependency) from `vendor/`; the override makes every
 * dependency on `@weft/definition` in the tree take the vendored one, so npm never asks the registry for it.
 */
function packageJson(key: string, label: string, vendored: VendoredPackages): Record<string, unknown> {
  const dependencies: Record<string, string> = {};
  for (const { name, fileName } of vendored) dependencies[name] = `file:vendor/${fileName}`;
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
    dependencies,
    devDependencies: { '@types/node': '^20.19.43', typescript: '5.9', vitest: '^4.1.12' },
    overrides: Object.fromEntries(
      vendored.filter(({ name }) => name !== '@weft/sdk').map(({ name }) => [name, `$${name}`]),
    ),
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

function flowYaml(key: string, label: string): string {
  return `# An integration whose flow uses ${key}: \`weft run flow.yaml --component .\` runs it here (see README.md).
definitionVersion: 7
name: ${label} Example
description: Fetches the item whose id the webhook receives
requiredConfigVars:
  - key: ${label} Connection
    dataType: connection
    connection:
      key: apiKey
      component: {key: ${key}, version: LATEST, isPublic: false}
    orgOnly: false
flows:
  - name: Fetch Item
    isSynchronous: true
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
| \`flow.yaml\` | an integration whose flow uses the component, to run with \`weft run\` or import |
| \`vendor/\` | \`@weft/sdk\` and \`@weft/definition\` as npm tarballs, written by \`weft components:init\`: keep them in git |

## Install

\`\`\`sh
npm install
\`\`\`

\`@weft/sdk\` is not on the npm registry: \`package.json\` installs it (and \`@weft/definition\`, which it uses) from
the tarballs in \`vendor/\`, the SDK of the \`weft\` that created this project. Everything else comes from the
registry. Nothing needs linking, and a clone of the project installs the same way. To move to the SDK of a newer
\`weft\`, run \`weft components:init\` elsewhere and copy its \`vendor/\` and the \`file:\` versions in its
\`package.json\` over these, then \`npm install\`.

## Test, build, publish

\`\`\`sh
npm test                      # vitest run
npm run typecheck             # tsc --noEmit
weft components:build         # bundles src/index.ts into dist/component.cjs (one CommonJS file for Node 20)
export WEFT_URL=http://127.0.0.1:3000 WEFT_TOKEN=weft_...
weft components:publish --comment "First version"   # builds, uploads: a new version of ${key}
weft components:versions ${key}
\`\`\`

(\`weft\` is the command that created this project; inside the Weft checkout it is \`npx weft\`.)

Publishing the same code again changes nothing (\`${key} version N is unchanged\`); any change publishes version
N+1.

## Use it in an integration

\`flow.yaml\` is an integration with one flow that uses the component: refer to it by its key;
\`version: LATEST\` runs the newest published version, and \`isPublic: false\` says it is your organization's own
component. Run that flow here, with the component's code from this folder (built first) and no server:

\`\`\`sh
echo '{"id": "42"}' > item.json
weft run flow.yaml --flow "Fetch Item" --component . --payload item.json \\
  --config '${label} Connection={"fields": {"baseUrl": "https://api.example.com/v1", "apiKey": "..."}}'
\`\`\`

Or import it once the component is published: \`weft integrations:import --path flow.yaml\`.
`;
}
