#!/usr/bin/env node
// Prepares a Weft for the Northwind Books example, through Weft's REST API and the owner token `npm start` printed:
//   1. a signing key: Weft generates the pair, keeps the public half, and answers the private half once; it is saved
//      to .weft-embedded-host.json (mode 600, gitignored) for the host's backend (reused on later runs);
//   2. the embedding settings: the host's origin joins the origins allowed to frame Weft's embedded pages;
//   3. the demo integration (demo/northwind-sync.yaml): imported, published, listed in the marketplace.
// Running it again changes nothing that is already right. Usage:
//   WEFT_TOKEN=weft_… node examples/embedded-host/setup.js [--rotate | --private-key FILE]
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const CONFIG_FILE = fileURLToPath(new URL('./.weft-embedded-host.json', import.meta.url));
const DEMO_DEFINITION = new URL('./demo/northwind-sync.yaml', import.meta.url);
export const DEFAULT_WEFT_URL = 'http://127.0.0.1:3000';
export const DEFAULT_HOST_PORT = 3400;

/** A problem setup explains in one message (no stack trace). */
export class SetupError extends Error {}

/**
 * @typedef {object} SavedConfig What the host's backend needs, saved by setup (the private key: keep it secret).
 * @property {string} weftUrl
 * @property {string} organizationId
 * @property {string} keyId
 * @property {string} [fingerprint]
 * @property {string} privateKeyPem
 */

/**
 * The saved configuration, or undefined when there is none.
 * @returns {Promise<SavedConfig | undefined>}
 */
export async function readSavedConfig() {
  let text;
  try {
    text = await readFile(CONFIG_FILE, 'utf8');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return undefined;
    throw error;
  }
  let saved;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new SetupError(`${CONFIG_FILE} is not JSON: delete it, then run the setup again.`);
  }
  const fields = ['organizationId', 'keyId', 'privateKeyPem'];
  if (
    typeof saved !== 'object' ||
    saved === null ||
    fields.some((field) => typeof saved[field] !== 'string')
  ) {
    throw new SetupError(`${CONFIG_FILE} lacks ${fields.join(', ')}: delete it, then run the setup again.`);
  }
  return saved;
}

/** @param {SavedConfig} config */
async function saveConfig(config) {
  // Written whole to a new file only this user may read, then moved in place.
  const temporary = `${CONFIG_FILE}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temporary, CONFIG_FILE);
  } finally {
    await rm(temporary, { force: true });
  }
  await chmod(CONFIG_FILE, 0o600);
}

/**
 * A client of Weft's API with the owner token; turns the usual failures into clear messages.
 * @param {string} weftUrl
 * @param {string} token
 */
function weftApi(weftUrl, token) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @param {{ text?: boolean }} [options] answer the body as text (an export is YAML), not JSON
   * @returns {Promise<{ status: number, body: any }>}
   */
  return async function api(method, path, body, { text: asText = false } = {}) {
    let response;
    try {
      response = await fetch(new URL(path, weftUrl), {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: asText ? '*/*' : 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = /** @type {{ cause?: { code?: string } }} */ (error).cause?.code ?? String(error);
      throw new SetupError(
        `Weft is not reachable at ${weftUrl} (${cause}): start Weft first: npm start (or set WEFT_URL to where it runs).`,
      );
    }
    const text = await response.text();
    if (asText && response.ok) return { status: response.status, body: text };
    let json;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new SetupError(
        `${weftUrl} answered ${method} ${path} with ${response.status} and no JSON: is that Weft? Set WEFT_URL to Weft's URL.`,
      );
    }
    if (response.status === 401) {
      throw new SetupError(
        `Weft refused WEFT_TOKEN (${json?.error?.code ?? 401}): use the owner API token \`npm start\` printed on Weft's first ` +
          'start ("Owner API token (shown only this once)"). Lost it? Stop Weft and run `npx weft tokens:recover`.',
      );
    }
    if (response.status === 403) {
      throw new SetupError(
        `Weft refused ${method} ${path} to this token (${json?.error?.code ?? 403}): setup needs an owner or admin token ` +
          `(the owner token \`npm start\` printed). ${json?.error?.message ?? ''}`.trim(),
      );
    }
    return { status: response.status, body: json };
  };
}

/**
 * @param {{ status: number, body: any }} answer
 * @param {string} what
 * @param {number[]} [expected]
 */
function check(answer, what, expected = [200, 201]) {
  if (expected.includes(answer.status)) return answer.body;
  const error = answer.body?.error;
  throw new SetupError(
    `${what} failed: HTTP ${answer.status}${error ? ` ${error.code}: ${error.message}` : ''}${
      error?.details?.problems ? `\n${JSON.stringify(error.details.problems, null, 2)}` : ''
    }`,
  );
}

/**
 * Prepares Weft for the example (see the top of this file).
 * @param {{ weftUrl?: string, token?: string, hostOrigin?: string, rotate?: boolean, privateKeyFile?: string,
 *   log?: (line: string) => void }} [options]
 * @returns {Promise<SavedConfig>}
 */
export async function runSetup({
  weftUrl = process.env.WEFT_URL || DEFAULT_WEFT_URL,
  token = process.env.WEFT_TOKEN,
  hostOrigin = `http://127.0.0.1:${process.env.EMBEDDED_HOST_PORT || DEFAULT_HOST_PORT}`,
  rotate = false,
  privateKeyFile,
  log = (line) => console.log(line),
} = {}) {
  if (!token?.trim()) {
    throw new SetupError(
      'WEFT_TOKEN is not set. It is the owner API token Weft printed on its first start (`npm start`: "Owner API token ' +
        '(shown only this once)"). Run: WEFT_TOKEN=weft_… npm run example:embedded. Lost it? Stop Weft and run ' +
        '`npx weft tokens:recover`.',
    );
  }
  try {
    weftUrl = new URL(weftUrl).origin;
  } catch {
    throw new SetupError(`WEFT_URL is not a URL: ${weftUrl}`);
  }
  const api = weftApi(weftUrl, token.trim());

  const organization = check(
    await api('GET', '/api/organization'),
    'Reading the organization (GET /api/organization)',
  );
  log(`Weft at ${weftUrl}, organization "${organization.name}" (${organization.id})`);

  const config = await signingKey(api, weftUrl, organization.id, { rotate, privateKeyFile }, log);
  await allowOrigin(api, hostOrigin, log);
  await demoIntegration(api, log);
  return config;
}

/**
 * The fingerprint Weft gives a signing key: SHA-256 of the public key's DER (SPKI), in hex.
 * @param {string} privateKeyPem
 */
export function fingerprintOf(privateKeyPem) {
  const publicKey = createPublicKey(createPrivateKey(privateKeyPem));
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Picks the signing key the host signs with, and saves it:
 * - with `privateKeyFile`: your own key (openssl), whose public half you imported (`weft signing-keys:import`);
 * - else the saved key, while it is an active key of this organization (and not `rotate`);
 * - else a key Weft generates (with `rotate`, the previous one is then deactivated).
 * @param {ReturnType<typeof weftApi>} api
 * @param {string} weftUrl
 * @param {string} organizationId
 * @param {{ rotate: boolean, privateKeyFile?: string }} choice
 * @param {(line: string) => void} log
 */
async function signingKey(api, weftUrl, organizationId, { rotate, privateKeyFile }, log) {
  const activeKeys = /** @type {{ id: string, fingerprint: string, deactivatedAt?: string | null }[]} */ (
    check(await api('GET', '/api/signing-keys'), 'Listing signing keys (GET /api/signing-keys)').items
  ).filter((key) => !key.deactivatedAt);

  if (privateKeyFile) {
    let privateKeyPem;
    let fingerprint;
    try {
      privateKeyPem = await readFile(privateKeyFile, 'utf8');
      fingerprint = fingerprintOf(privateKeyPem);
    } catch {
      throw new SetupError(
        `${privateKeyFile} is no readable PEM private key (make one: openssl genrsa -out my-private-key.pem 2048)`,
      );
    }
    const key = activeKeys.find((candidate) => candidate.fingerprint === fingerprint);
    if (!key) {
      throw new SetupError(
        `The public half of ${privateKeyFile} (fingerprint ${fingerprint.slice(0, 16)}…) is no active signing key of ` +
          `this organization. Import it first: openssl rsa -in ${privateKeyFile} -pubout > weft-key.pub && ` +
          'npx weft signing-keys:import --path weft-key.pub',
      );
    }
    const config = { weftUrl, organizationId, keyId: key.id, fingerprint, privateKeyPem };
    await saveConfig(config);
    log(`✓ Signing key ${key.id}: your own (${privateKeyFile}), copied to ${CONFIG_FILE} (mode 600)`);
    return config;
  }

  /** @type {SavedConfig | undefined} */
  let saved;
  try {
    saved = await readSavedConfig();
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    log(`! ${error.message}`);
  }
  let savedFingerprint;
  try {
    savedFingerprint = saved && fingerprintOf(saved.privateKeyPem);
  } catch {
    savedFingerprint = undefined;
  }
  const savedIsActive =
    saved !== undefined &&
    saved.organizationId === organizationId &&
    activeKeys.some((key) => key.id === saved.keyId && key.fingerprint === savedFingerprint);

  if (saved && savedIsActive && !rotate) {
    await chmod(CONFIG_FILE, 0o600);
    if (saved.weftUrl !== weftUrl) await saveConfig({ ...saved, weftUrl });
    log(`✓ Signing key ${saved.keyId}: the saved one (${CONFIG_FILE})`);
    return { ...saved, weftUrl };
  }
  if (saved && !savedIsActive) {
    log(`! The saved signing key ${saved.keyId} is no active key of this organization: Weft makes a new one`);
  }

  const generated = check(
    await api('POST', '/api/signing-keys', { bits: 2048 }),
    'Generating a signing key (POST /api/signing-keys)',
    [201],
  );
  /** @type {SavedConfig} */
  const config = {
    weftUrl,
    organizationId,
    keyId: generated.key.id,
    fingerprint: generated.key.fingerprint,
    privateKeyPem: generated.privateKey,
  };
  await saveConfig(config);
  log(`✓ Signing key ${config.keyId}: generated by Weft; its private key is in ${CONFIG_FILE} (mode 600)`);

  if (rotate && saved && savedIsActive) {
    // The old key stops at once: a host still running with it must restart (start.js --rotate does).
    check(
      await api('POST', `/api/signing-keys/${encodeURIComponent(saved.keyId)}/deactivate`),
      `Deactivating the previous signing key ${saved.keyId}`,
      [200, 204],
    );
    log(`✓ Signing key ${saved.keyId}: deactivated (rotated)`);
  }
  return config;
}

/**
 * Adds the host's origin to the origins allowed to frame Weft's embedded pages, keeping the others.
 * @param {ReturnType<typeof weftApi>} api
 * @param {string} hostOrigin
 * @param {(line: string) => void} log
 */
async function allowOrigin(api, hostOrigin, log) {
  const current = await api('GET', '/api/organization/embedding');
  if (current.status === 404) {
    log(
      `! This Weft has no embedding settings (GET /api/organization/embedding: 404 ${current.body?.error?.code ?? ''}),` +
        ` so ${hostOrigin} could not be allowed to frame its pages. Update Weft, then run the setup again.`,
    );
    return;
  }
  const embedding = check(current, 'Reading the embedding settings (GET /api/organization/embedding)');
  const origins = Array.isArray(embedding.allowedOrigins) ? embedding.allowedOrigins : [];
  if (origins.includes(hostOrigin)) {
    log(`✓ Allowed origins: ${origins.join(', ')} (already)`);
    return;
  }
  const update = { allowedOrigins: [...origins, hostOrigin] };
  if (embedding.theme && typeof embedding.theme === 'object')
    Object.assign(update, { theme: embedding.theme });
  const saved = check(
    await api('PUT', '/api/organization/embedding', update),
    'Allowing the host origin (PUT /api/organization/embedding)',
  );
  log(`✓ Allowed origins: ${(saved?.allowedOrigins ?? update.allowedOrigins).join(', ')}`);
}

/**
 * Imports demo/northwind-sync.yaml (or updates the draft of the integration of that name), publishes a version when
 * the draft differs from the newest one, and lists it in the marketplace with its documentation as the overview.
 * @param {ReturnType<typeof weftApi>} api
 * @param {(line: string) => void} log
 */
async function demoIntegration(api, log) {
  const definition = await readFile(DEMO_DEFINITION, 'utf8');
  let answer = await api('POST', '/api/integrations/import', { definition });
  if (answer.status === 409) {
    const name = /^name:\s*(.+)$/m.exec(definition)?.[1]?.trim() ?? 'Northwind Orders Sync';
    let integrationId = answer.body?.error?.details?.integrationId;
    if (!integrationId) {
      const found = check(
        await api('GET', `/api/integrations?search=${encodeURIComponent(name)}`),
        `Finding the integration "${name}"`,
      );
      integrationId = found.items.find((/** @type {any} */ item) => item.name === name)?.id;
      if (!integrationId)
        throw new SetupError(`Weft says an integration is named "${name}", yet none was found.`);
    }
    answer = await api('POST', '/api/integrations/import', { definition, integrationId });
  }
  const integration = check(answer, `Importing ${fileURLToPath(DEMO_DEFINITION)}`);
  for (const warning of integration.warnings ?? []) log(`! ${warning.code}: ${warning.message}`);
  const id = integration.id;

  const versions = check(await api('GET', `/api/integrations/${id}/versions`), 'Listing versions').items;
  const newest = versions.reduce(
    (/** @type {any} */ best, /** @type {any} */ version) =>
      !best || version.versionNumber > best.versionNumber ? version : best,
    undefined,
  );
  let versionNumber = newest?.versionNumber;
  if (!newest || (await exported(api, id)) !== (await exported(api, id, newest.versionNumber))) {
    const version = check(
      await api('POST', `/api/integrations/${id}/publish`, {
        comment: 'Published by the embedded-host example',
      }),
      `Publishing "${integration.name}"`,
      [201],
    );
    versionNumber = version.versionNumber;
    log(`✓ Integration "${integration.name}" (${id}): version ${versionNumber} published`);
  } else {
    log(`✓ Integration "${integration.name}" (${id}): version ${versionNumber}, unchanged`);
  }

  check(
    await api('PUT', `/api/integrations/${id}/marketplace`, {
      listed: true,
      overview: integration.documentation || integration.description,
    }),
    `Listing "${integration.name}" in the marketplace`,
  );
  log(`✓ Listed in the marketplace`);
}

/**
 * The YAML of the draft, or of a version (to tell whether the draft changed since).
 * @param {ReturnType<typeof weftApi>} api
 * @param {string} id
 * @param {number} [version]
 * @returns {Promise<string>}
 */
async function exported(api, id, version) {
  const path = `/api/integrations/${id}/export${version ? `?version=${version}` : ''}`;
  return check(await api('GET', path, undefined, { text: true }), `Exporting ${path}`);
}

export const USAGE = `Options:
  --rotate             a new signing key generated by Weft; the previous one is deactivated
  --private-key FILE   sign with your own RSA key (openssl genrsa -out FILE 2048) instead, whose public half you
                       imported (npx weft signing-keys:import --path key.pub)
Environment: WEFT_TOKEN (required: the owner token \`npm start\` printed), WEFT_URL (${DEFAULT_WEFT_URL}),
  EMBEDDED_HOST_PORT (${DEFAULT_HOST_PORT}: the host's origin, http://127.0.0.1:PORT, is allowed to frame Weft)`;

/**
 * Reads the command line's options (the ones setup takes, and `extra` flags of the caller).
 * @param {string[]} args
 * @param {string[]} [extra]
 * @returns {{ rotate: boolean, privateKeyFile?: string, help: boolean, flags: Set<string> }}
 */
export function parseSetupArgs(args, extra = []) {
  /** @type {{ rotate: boolean, privateKeyFile?: string, help: boolean, flags: Set<string> }} */
  const options = { rotate: false, help: false, flags: new Set() };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg === '--rotate') options.rotate = true;
    else if (arg === '--private-key' || arg.startsWith('--private-key=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[++index];
      if (!value) throw new SetupError('--private-key needs a file: --private-key my-private-key.pem');
      options.privateKeyFile = value;
    } else if (extra.includes(arg)) options.flags.add(arg);
    else throw new SetupError(`Unknown option ${arg} (try --help)`);
  }
  if (options.rotate && options.privateKeyFile)
    throw new SetupError('Use --rotate or --private-key, not both');
  return options;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  try {
    const options = parseSetupArgs(process.argv.slice(2));
    if (options.help) {
      console.log(
        `Usage: WEFT_TOKEN=weft_… node examples/embedded-host/setup.js [--rotate | --private-key FILE]\n${USAGE}`,
      );
    } else {
      await runSetup({ rotate: options.rotate, privateKeyFile: options.privateKeyFile });
      console.log('Setup done. Start the example: npm run example:embedded');
    }
  } catch (error) {
    console.error(error instanceof SetupError ? `Setup failed: ${error.message}` : error);
    process.exitCode = 1;
  }
}
