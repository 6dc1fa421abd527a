#!/usr/bin/env node
// Starts Northwind Books, the example host app, against a running Weft. Runs setup.js first when nothing is saved
// yet (or with --setup, --rotate, --private-key). Usage (from the repository's root):
//   WEFT_TOKEN=weft_… npm run example:embedded [-- --setup | --rotate | --private-key FILE]
// Environment: WEFT_URL (http://127.0.0.1:3000), WEFT_TOKEN (for the setup), EMBEDDED_HOST_PORT (3400).
import {
  DEFAULT_HOST_PORT,
  DEFAULT_WEFT_URL,
  parseSetupArgs,
  readSavedConfig,
  runSetup,
  SetupError,
  USAGE,
} from './setup.js';
import { startEmbeddedHost } from './src/host-server.js';

const HOST = '127.0.0.1';

async function main() {
  const options = parseSetupArgs(process.argv.slice(2), ['--setup']);
  if (options.help) {
    console.log(
      'Usage: [WEFT_TOKEN=weft_…] node examples/embedded-host/start.js [--setup] [--rotate | --private-key FILE]\n' +
        '  (npm run example:embedded -- --setup …)\n' +
        '  --setup              run the setup again (signing key, allowed origin, demo integration); needs WEFT_TOKEN\n' +
        `${USAGE}`,
    );
    return;
  }

  const portText = process.env.EMBEDDED_HOST_PORT || String(DEFAULT_HOST_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
    throw new SetupError(`EMBEDDED_HOST_PORT must be a port number (1 to 65535), not "${portText}"`);
  }

  const { rotate, privateKeyFile } = options;
  const setupAsked = rotate || privateKeyFile !== undefined || options.flags.has('--setup');
  let config;
  try {
    config = await readSavedConfig();
  } catch (error) {
    if (!(error instanceof SetupError) || !setupAsked) throw error; // a broken file: the setup replaces it
  }
  if (!config || setupAsked) {
    if (!config) console.log('No saved setup yet: preparing Weft for the example…');
    config = await runSetup({ rotate, privateKeyFile, hostOrigin: `http://${HOST}:${port}` });
  }
  const weftUrl = process.env.WEFT_URL || config.weftUrl || DEFAULT_WEFT_URL;
  if (config.weftUrl && originOrNull(weftUrl) !== originOrNull(config.weftUrl)) {
    console.warn(
      `! The saved setup is for ${config.weftUrl}: to use ${weftUrl}, run with --setup (and WEFT_TOKEN).`,
    );
  }
  await checkWeftAnswers(weftUrl);

  let host;
  try {
    host = await startEmbeddedHost({
      weftUrl,
      organizationId: config.organizationId,
      privateKeyPem: config.privateKeyPem,
      keyId: config.keyId,
      port,
      host: HOST,
    });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'EADDRINUSE') {
      throw new SetupError(
        `Port ${port} is in use: stop what runs there, or set EMBEDDED_HOST_PORT (then --setup).`,
      );
    }
    throw error;
  }
  console.log(`Northwind Books (example host) on ${host.url} — sign in as ada@acme.example / northwind`);
  console.log(`  Embeds Weft at ${weftUrl}. Stop with Ctrl-C.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await host.close();
    console.log('Northwind Books stopped.');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** @param {string} url */
function originOrNull(url) {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Weft must answer before the host is of any use: its pages are what the host shows.
 * @param {string} weftUrl
 */
async function checkWeftAnswers(weftUrl) {
  try {
    const response = await fetch(new URL('/api/openapi.json', weftUrl), {
      method: 'HEAD',
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
  } catch {
    throw new SetupError(
      `Weft is not reachable at ${weftUrl}: start Weft first: npm start (or set WEFT_URL).`,
    );
  }
}

main().catch((error) => {
  console.error(error instanceof SetupError ? error.message : error);
  process.exitCode = 1;
});
