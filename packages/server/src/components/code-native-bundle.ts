import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { type CatalogComponent, catalogInputTypes } from '@weft/definition';
import type { SandboxNetwork } from '../config.js';
import { WeftError } from '../errors.js';
import {
  defaultSandboxNetwork,
  lastErrorLine,
  ranOutOfMemory,
  residentBytesOf,
  type SandboxLauncher,
  SandboxNetworkUnavailableError,
  sandboxLauncher,
  sandboxNodeArgs,
  trackSandbox,
} from './sandbox-process.js';

/**
 * Loads a code-native integration's bundle (the CommonJS file esbuild makes of a project whose entry point exports
 * what `integration()` returns, from @weft/sdk or @prismatic-io/spectral) and reads two things off it: the YAML
 * definition (`codeNativeIntegrationYAML`) and the generated component's catalog entry (its actions, triggers,
 * connections and data sources with their inputs; the functions themselves stay behind).
 *
 * Loading a bundle runs its top-level code, which is the user's code. It never runs in the server's process: a
 * child `node` with an empty environment, the permission model (it may read its own temporary directory and
 * nothing else, may not write files, start processes or workers, or load native addons), a heap limit, a watch on
 * its whole memory (Buffers live outside the heap) and a time limit. `process.kill` is taken away before the bundle
 * loads, since the permission model does not cover signals. The answer comes back on a pipe of its own (fd 3); the
 * bundle's stdout goes nowhere, so no amount of output reaches the server.
 * The network is closed too: the process starts in a network namespace of its own with no way out at all (reading
 * a manifest needs none), unless the operator chose WEFT_SANDBOX_NETWORK=open (sandbox-process.ts).
 */

export interface ExtractOptions {
  /** How long the bundle may take to load before its process is killed (default 15 s). */
  timeoutMs?: number;
  /** Heap limit of the bundle's process, in MB (default 256); the process as a whole may use twice that. */
  memoryMb?: number;
  /** `isolated` (no network while it loads) or `open`; default: this process's WEFT_SANDBOX_NETWORK, else isolated. */
  network?: SandboxNetwork;
}

export interface ExtractedBundle {
  /** The integration's definition, as Prismatic-style YAML, exactly as the bundle built it. */
  yaml: string;
  /** The generated component: private (`isPublic: false`), referenced by the YAML's steps by its key. */
  component: CatalogComponent;
}

export interface ExtractedComponent {
  /** The component's catalog entry: private (`isPublic: false`). */
  component: CatalogComponent;
  /** The properties each action and trigger holds (by operation key), for publish to check against what Weft runs. */
  declared: DeclaredProperties;
}

export interface DeclaredProperties {
  actions: Record<string, string[]>;
  triggers: Record<string, string[]>;
}

const defaultTimeoutMs = 15_000;
const defaultMemoryMb = 256;
const maxAnswerBytes = 64 * 1024 * 1024;
const maxYamlBytes = 10 * 1024 * 1024;
const stderrTailBytes = 4096;
const memoryWatchIntervalMs = 100;

// What the extractor may answer. Its output is checked, not trusted: the bundle shares its process and can
// tamper with anything there (JSON.stringify included).
const InputManifest = Type.Object({
  key: Type.String({ minLength: 1 }),
  label: Type.Optional(Type.String()),
  type: Type.Union(catalogInputTypes.map((type) => Type.Literal(type))),
  required: Type.Optional(Type.Boolean()),
  default: Type.Optional(Type.Unknown()),
  collection: Type.Optional(Type.Union([Type.Literal('valuelist'), Type.Literal('keyvaluelist')])),
  model: Type.Optional(Type.Array(Type.Object({ label: Type.String(), value: Type.String() }))),
  shown: Type.Optional(Type.Boolean()),
  templateValue: Type.Optional(Type.String()),
});
const TriggerSupport = Type.Union([Type.Literal('invalid'), Type.Literal('valid'), Type.Literal('required')]);
const operationFields = {
  key: Type.String({ minLength: 1 }),
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  inputs: Type.Array(InputManifest),
  kind: Type.Optional(Type.Union([Type.Literal('loop'), Type.Literal('branch')])),
  staticBranchNames: Type.Optional(Type.Array(Type.String())),
  dynamicBranchInput: Type.Optional(Type.String()),
  breakLoop: Type.Optional(Type.Boolean()),
  terminateExecution: Type.Optional(Type.Boolean()),
  scheduleSupport: Type.Optional(TriggerSupport),
  synchronousResponseSupport: Type.Optional(TriggerSupport),
  hasOnInstanceDeploy: Type.Optional(Type.Boolean()),
  hasOnInstanceDelete: Type.Optional(Type.Boolean()),
  hasWebhookCreateFunction: Type.Optional(Type.Boolean()),
  hasWebhookDeleteFunction: Type.Optional(Type.Boolean()),
  isPollingTrigger: Type.Optional(Type.Boolean()),
  // The operation's own properties that hold something (not undefined, null or false): publish refuses those
  // Weft does not run. Taken off before the manifest is stored.
  declared: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 })),
};
const OperationManifest = Type.Object(operationFields);
const ConnectionManifest = Type.Object({
  ...operationFields,
  oauth2Type: Type.Optional(
    Type.Union([Type.Literal('authorization_code'), Type.Literal('client_credentials')]),
  ),
  oauth2PkceMethod: Type.Optional(Type.Union([Type.Literal('S256'), Type.Literal('plain')])),
  oauth2Config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const ComponentManifest = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 200 }),
  label: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  isPublic: Type.Literal(false),
  actions: Type.Record(Type.String(), OperationManifest),
  triggers: Type.Record(Type.String(), OperationManifest),
  connections: Type.Record(Type.String(), ConnectionManifest),
  dataSources: Type.Record(Type.String(), Type.Object({ ...operationFields, dataSourceType: Type.String() })),
});
const Answer = Type.Union([
  Type.Object({ ok: Type.Literal(true), yaml: Type.Optional(Type.String()), component: ComponentManifest }),
  Type.Object({ ok: Type.Literal(false), message: Type.String() }),
]);

/** The script the child process runs. CommonJS, no dependencies: it is written next to the bundle. */
const extractorSource = `'use strict';
const fs = require('node:fs');
const [bundlePath, expected] = process.argv.slice(2);
const writeSync = fs.writeSync;
const toBytes = Buffer.from;
const sleep = Atomics.wait.bind(Atomics, new Int32Array(new SharedArrayBuffer(4)), 0, 0);
const stringify = JSON.stringify;
const parse = JSON.parse;
const exit = process.exit.bind(process);
const inputTypes = new Set(${JSON.stringify(catalogInputTypes)});
// The answer goes to file descriptor 3, a pipe of its own: stdout is the bundle's (and goes nowhere), so neither
// its output nor a stdout the bundle made non-blocking can cut the answer short.
const answerFd = 3;
let answered = false;

function answer(result) {
  if (answered) return;
  answered = true;
  let rest = toBytes(stringify(result));
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(answerFd, rest));
    } catch (error) {
      if (!error || error.code !== 'EAGAIN') exit(70);
      sleep(5);
    }
  }
  exit(0);
}
function where(error) {
  try {
    const match = /bundle\\.cjs:(\\d+)(?::(\\d+))?/.exec(String(error && error.stack));
    return match ? ' (bundle line ' + match[1] + (match[2] ? ', column ' + match[2] : '') + ')' : '';
  } catch { return ''; }
}
function describe(error) {
  try {
    if (error && typeof error === 'object' && typeof error.message === 'string') {
      const name = typeof error.name === 'string' ? error.name : 'Error';
      return (name + ': ' + error.message).split(bundlePath).join('bundle.js').slice(0, 500) + where(error);
    }
    return 'a thrown ' + typeof error + ' ' + String(error).slice(0, 200);
  } catch {
    return 'an error that cannot be described';
  }
}
function fail(message) { answer({ ok: false, message }); }

// The permission model does not cover signals: nothing the bundle runs may signal another process.
for (const name of ['kill', '_kill']) {
  try {
    Object.defineProperty(process, name, {
      value() { throw new Error('process.' + name + ' is not available while a bundle loads'); },
      writable: false,
      configurable: false,
    });
  } catch {}
}
// The bundle's own console output goes to stderr, whose last line explains a bundle that crashes.
for (const level of ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir', 'table']) {
  console[level] = (...args) => {
    try { process.stderr.write(args.map((arg) => { try { return String(arg); } catch { return '?'; } }).join(' ') + '\\n'); } catch {}
  };
}
process.on('uncaughtException', (error) => fail('The bundle threw while loading: ' + describe(error)));

function text(value) {
  return typeof value === 'string' ? value : undefined;
}
function jsonSafe(value) {
  try { return value === undefined ? undefined : parse(stringify(value)); } catch { return undefined; }
}
function entries(collection) {
  if (Array.isArray(collection)) return collection.filter((item) => item && typeof item === 'object').map((item) => [item.key, item]);
  if (collection && typeof collection === 'object') return Object.entries(collection).filter(([, item]) => item && typeof item === 'object');
  return [];
}
function inputsOf(list) {
  const inputs = [];
  for (const [key, input] of entries(list)) {
    if (typeof key !== 'string' || key === '') continue;
    const out = { key, type: inputTypes.has(input.type) ? input.type : 'string' };
    const label = text(input.label) ?? text(input.label && input.label.value);
    if (label !== undefined) out.label = label;
    if (typeof input.required === 'boolean') out.required = input.required;
    const fallback = jsonSafe(input.default);
    if (fallback !== undefined) out.default = fallback;
    if (input.collection === 'valuelist' || input.collection === 'keyvaluelist') out.collection = input.collection;
    if (typeof input.shown === 'boolean') out.shown = input.shown;
    if (typeof input.templateValue === 'string') out.templateValue = input.templateValue;
    if (Array.isArray(input.model)) {
      out.model = input.model
        .filter((choice) => choice && typeof choice === 'object' && choice.value !== undefined)
        .map((choice) => ({ label: String(choice.label ?? choice.value), value: String(choice.value) }));
    }
    inputs.push(out);
  }
  return inputs;
}
function operations(collection, withType, withDeclared) {
  const result = {};
  for (const [key, operation] of entries(collection)) {
    if (typeof key !== 'string' || key === '') continue;
    const display = operation.display && typeof operation.display === 'object' ? operation.display : {};
    const out = { key, inputs: inputsOf(operation.inputs) };
    const label = text(display.label);
    if (label !== undefined) out.label = label;
    const description = text(display.description);
    if (description !== undefined) out.description = description;
    if (operation.allowsBranching === true) {
      out.kind = 'branch';
      if (Array.isArray(operation.staticBranchNames)) out.staticBranchNames = operation.staticBranchNames.map(String);
      if (typeof operation.dynamicBranchInput === 'string') out.dynamicBranchInput = operation.dynamicBranchInput;
    }
    if (operation.loop === true) out.kind = 'loop';
    for (const flag of ['breakLoop', 'terminateExecution', 'hasOnInstanceDeploy', 'hasOnInstanceDelete', 'isPollingTrigger']) {
      if (operation[flag] === true) out[flag] = true;
    }
    if (typeof operation.onInstanceDeploy === 'function') out.hasOnInstanceDeploy = true;
    if (typeof operation.onInstanceDelete === 'function') out.hasOnInstanceDelete = true;
    // Spectral's webhookLifecycleHandlers, as convertTrigger leaves them: a function and its presence flag.
    if (typeof operation.webhookCreate === 'function') out.hasWebhookCreateFunction = true;
    if (typeof operation.webhookDelete === 'function') out.hasWebhookDeleteFunction = true;
    if (withDeclared) {
      out.declared = Object.keys(operation)
        .filter((name) => operation[name] !== undefined && operation[name] !== null && operation[name] !== false)
        .slice(0, 200)
        .map((name) => name.slice(0, 200));
    }
    for (const support of ['scheduleSupport', 'synchronousResponseSupport']) {
      if (['invalid', 'valid', 'required'].includes(operation[support])) out[support] = operation[support];
    }
    if (withType) out.dataSourceType = String(operation.dataSourceType ?? 'string');
    result[key] = out;
  }
  return result;
}
function connectionsOf(collection) {
  const result = operations(collection, false);
  for (const [key, connection] of entries(collection)) {
    const out = result[key];
    if (!out) continue;
    const label = text(connection.label);
    if (label !== undefined && out.label === undefined) out.label = label;
    if (connection.oauth2Type === 'authorization_code' || connection.oauth2Type === 'client_credentials') out.oauth2Type = connection.oauth2Type;
    if (connection.oauth2PkceMethod === 'S256' || connection.oauth2PkceMethod === 'plain') out.oauth2PkceMethod = connection.oauth2PkceMethod;
    const config = jsonSafe(connection.oauth2Config);
    if (config && typeof config === 'object' && !Array.isArray(config)) out.oauth2Config = config;
  }
  return result;
}
function kindOf(value) {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

(async () => {
  let exported;
  try {
    exported = require(bundlePath);
  } catch (error) {
    return fail('The bundle threw while loading: ' + describe(error));
  }
  let value;
  try {
    value = exported !== null && (typeof exported === 'object' || typeof exported === 'function') && exported.default != null
      ? exported.default
      : exported;
    if (value && typeof value.then === 'function') value = await value;
  } catch (error) {
    return fail('Reading the bundle\\'s export failed: ' + describe(error));
  }
  if (!value || typeof value !== 'object') {
    return fail('The bundle exports no integration: module.exports.default (or module.exports) must be the object integration() returns, but it is ' + kindOf(value) + '.');
  }
  try {
    const yaml = value.codeNativeIntegrationYAML;
    const isIntegration = typeof yaml === 'string' && yaml.trim() !== '';
    if (expected === 'integration' && !isIntegration) {
      return fail('The bundle\\'s export has no codeNativeIntegrationYAML: it is not what integration() returns (a component built with component() is published with weft components:publish, not imported as an integration).');
    }
    if (expected === 'component' && isIntegration) {
      return fail('The bundle exports a code-native integration (it has codeNativeIntegrationYAML), not a component: import it with weft integrations:import.');
    }
    if (typeof value.key !== 'string' || value.key === '') {
      return fail('The bundle\\'s export has no component key: it is not what ' + (expected === 'integration' ? 'integration()' : 'component()') + ' returns.');
    }
    if (expected === 'component' && (!value.actions || typeof value.actions !== 'object')) {
      return fail('The bundle\\'s export has no actions: module.exports.default must be the object component() returns (from @weft/sdk or @prismatic-io/spectral).');
    }
    const display = value.display && typeof value.display === 'object' ? value.display : {};
    const component = {
      key: value.key,
      isPublic: false,
      actions: operations(value.actions, false, true),
      triggers: operations(value.triggers, false, true),
      connections: connectionsOf(value.connections),
      dataSources: operations(value.dataSources, true),
    };
    const label = text(display.label);
    if (label !== undefined) component.label = label;
    const description = text(display.description);
    if (description !== undefined) component.description = description;
    answer(isIntegration ? { ok: true, yaml, component } : { ok: true, component });
  } catch (error) {
    fail('Reading the bundle\\'s component failed: ' + describe(error));
  }
})().catch((error) => fail('The bundle could not be read: ' + describe(error)));
`;

function invalid(message: string): WeftError {
  return new WeftError('BUNDLE_INVALID', message);
}

// Every import of a bundle starts a process; at most this many run at once, the others wait their turn.
const maxConcurrent = Math.max(1, Math.min(4, os.availableParallelism()));
let running = 0;
const waiting: Array<() => void> = [];

async function inTurn<T>(work: () => Promise<T>): Promise<T> {
  // A finishing run hands its slot straight to the next waiter, so the count never overshoots.
  if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  else running += 1;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

/** Runs a code-native integration's bundle in a sandboxed child process; returns its YAML and component manifest. */
export async function extractCodeNativeBundle(
  bundle: Buffer,
  options: ExtractOptions = {},
): Promise<ExtractedBundle> {
  const answer = await extractBundle(bundle, 'integration', options);
  if (answer.yaml === undefined) throw invalid('The bundle has no codeNativeIntegrationYAML.');
  if (Buffer.byteLength(answer.yaml) > maxYamlBytes) {
    throw invalid(`The bundle's codeNativeIntegrationYAML is larger than ${maxYamlBytes / 1024 / 1024} MiB.`);
  }
  return { yaml: answer.yaml, component: answer.component };
}

/** Runs a custom component's bundle (what `component()` returns) in a sandbox; returns its manifest. */
export async function extractComponentBundle(
  bundle: Buffer,
  options: ExtractOptions = {},
): Promise<ExtractedComponent> {
  const { component, declared } = await extractBundle(bundle, 'component', options);
  return { component, declared };
}

async function extractBundle(
  bundle: Buffer,
  expected: 'integration' | 'component',
  options: ExtractOptions,
): Promise<{ yaml?: string; component: CatalogComponent; declared: DeclaredProperties }> {
  if (bundle.length === 0) throw invalid('The bundle is empty.');
  let launcher: SandboxLauncher;
  try {
    launcher = await sandboxLauncher(options.network ?? defaultSandboxNetwork());
  } catch (error) {
    if (!(error instanceof SandboxNetworkUnavailableError)) throw error;
    throw new WeftError('SANDBOX_NETWORK_UNAVAILABLE', error.message);
  }
  const limits = {
    timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
    memoryMb: options.memoryMb ?? defaultMemoryMb,
  };
  return inTurn(async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-bundle-'));
    try {
      const realDir = await fs.realpath(dir);
      const bundlePath = path.join(realDir, 'bundle.cjs');
      const extractorPath = path.join(realDir, 'extract.cjs');
      await fs.writeFile(bundlePath, bundle, { mode: 0o400 });
      await fs.writeFile(extractorPath, extractorSource, { mode: 0o400 });
      const answer = await runExtractor({
        dir: realDir,
        extractorPath,
        bundlePath,
        expected,
        launcher,
        ...limits,
      });
      if (!answer.ok) throw invalid(answer.message);
      const declared: DeclaredProperties = {
        actions: takeDeclared(answer.component.actions),
        triggers: takeDeclared(answer.component.triggers),
      };
      return {
        ...(answer.yaml !== undefined ? { yaml: answer.yaml } : {}),
        component: answer.component as CatalogComponent,
        declared,
      };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

/** Removes each operation's `declared` list from the manifest and answers them by operation key. */
function takeDeclared(operations: Record<string, { declared?: string[] }>): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const [key, operation] of Object.entries(operations)) {
    lists[key] = operation.declared ?? [];
    delete operation.declared;
  }
  return lists;
}

interface SandboxRun {
  dir: string;
  extractorPath: string;
  bundlePath: string;
  expected: 'integration' | 'component';
  launcher: SandboxLauncher;
  timeoutMs: number;
  memoryMb: number;
}

/** The answer the extractor wrote to its answer pipe, checked: the bundle shares its process and can forge it. */
function parseAnswer(text: string): Static<typeof Answer> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('The bundle garbled the answer of its sandbox.');
  }
  if (!Value.Check(Answer, parsed)) {
    throw invalid(
      'The component the bundle exports is not of the expected shape (key, display, actions, triggers, dataSources, connections with their inputs); build it with integration() from @weft/sdk or @prismatic-io/spectral.',
    );
  }
  return parsed;
}

function memoryExceeded(memoryMb: number): WeftError {
  return invalid(`The bundle used more than the ${memoryMb} MB of memory a sandbox has while loading.`);
}

function runExtractor(run: SandboxRun): Promise<Static<typeof Answer>> {
  const { dir, extractorPath, bundlePath, expected, launcher, timeoutMs, memoryMb } = run;
  return new Promise((resolve, reject) => {
    const child = spawn(
      launcher.file,
      [...launcher.prefix, ...sandboxNodeArgs(dir, memoryMb), extractorPath, bundlePath, expected],
      // stdin and the bundle's stdout go nowhere; stderr is kept for its last lines; fd 3 carries the answer.
      { cwd: dir, env: {}, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], windowsHide: true },
    );
    trackSandbox(child);
    const answerPipe = child.stdio[3] as Readable;
    const answerChunks: Buffer[] = [];
    let answerBytes = 0;
    let stderr = '';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(memoryWatch);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      outcome();
    };
    const fail = (error: WeftError) => finish(() => reject(error));

    const timer = setTimeout(
      () =>
        fail(
          invalid(
            `The bundle did not finish loading within ${timeoutMs / 1000} s and was stopped (does its top-level code loop or wait forever?).`,
          ),
        ),
      timeoutMs,
    );
    // The heap limit does not cover Buffers and ArrayBuffers, which live outside the heap: the whole process is
    // watched too, and stopped past twice the heap limit (room for Node itself and the young generation).
    const memoryWatch = setInterval(async () => {
      const resident = child.pid === undefined ? undefined : await residentBytesOf(child.pid);
      if (resident !== undefined && resident > 2 * memoryMb * 1024 * 1024) fail(memoryExceeded(memoryMb));
    }, memoryWatchIntervalMs);

    answerPipe.on('data', (chunk: Buffer) => {
      if (settled) return;
      answerChunks.push(chunk);
      answerBytes += chunk.length;
      if (answerBytes > maxAnswerBytes)
        fail(
          invalid(
            `The bundle's answer (its YAML and component) is larger than ${maxAnswerBytes / 1024 / 1024} MiB.`,
          ),
        );
    });
    // A pipe's own errors (the child killed mid-write) are covered by the close below.
    answerPipe.on('error', () => {});
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-stderrTailBytes);
    });
    child.on('error', (error) => {
      fail(invalid(`The bundle's sandbox could not start: ${error.message}.`));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      if (code === 0 && answerBytes > 0) {
        try {
          const answer = parseAnswer(Buffer.concat(answerChunks).toString('utf8'));
          finish(() => resolve(answer));
        } catch (error) {
          fail(error as WeftError);
        }
        return;
      }
      if (ranOutOfMemory(stderr)) {
        fail(memoryExceeded(memoryMb));
        return;
      }
      fail(
        invalid(
          `The bundle's sandbox ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without an answer${lastErrorLine(stderr, bundlePath)}.`,
        ),
      );
    });
  });
}
