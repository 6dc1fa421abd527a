/**
 * Runs `parseIntegrationYaml` in a worker thread with a time limit and a memory limit, for inputs that might make it
 * hang or exhaust memory: synchronous code in the test's own thread cannot be interrupted, so a hang there would
 * stall the whole test run instead of failing one test.
 *
 * The worker cannot load TypeScript, so the package's src is transpiled (TypeScript's transpileModule, no type
 * checking) into node_modules/.cache, keyed by a hash of the sources: the worker always runs the current src, not
 * a possibly stale dist. Bare imports (yaml, croner...) resolve from the repository's node_modules.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import type { DefinitionProblem } from '../../src/index.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function sourceFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const relative = path.join(prefix, entry.name);
      if (entry.isDirectory()) return sourceFiles(dir, relative);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative] : [];
    })
    .sort();
}

let compiled: string | undefined;

/** The file URL of the transpiled src/index.js. */
export function compiledDefinitionModule(): string {
  if (compiled) return compiled;
  const files = sourceFiles(srcDir);
  const hash = createHash('sha256');
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(srcDir, file)))
      .update('\0');
  const outDir = path.join(
    repoRoot,
    'node_modules',
    '.cache',
    'weft-definition-tests',
    hash.digest('hex').slice(0, 16),
  );
  const entry = path.join(outDir, 'index.js');
  if (!fs.existsSync(entry)) {
    // Written to a private directory and renamed into place, so parallel test runs never see half a tree.
    const temporary = `${outDir}.${process.pid}.${Date.now()}.tmp`;
    for (const file of files) {
      const source = fs.readFileSync(path.join(srcDir, file), 'utf8');
      const output = ts.transpileModule(source, {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const target = path.join(temporary, file.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, output);
    }
    fs.writeFileSync(path.join(temporary, 'package.json'), '{"type": "module"}\n');
    try {
      fs.renameSync(temporary, outDir);
    } catch (error) {
      // Another run won the race with identical content.
      fs.rmSync(temporary, { recursive: true, force: true });
      if (!fs.existsSync(entry)) throw error;
    }
  }
  pruneStaleBuilds(path.dirname(outDir), outDir);
  compiled = pathToFileURL(entry).href;
  return compiled;
}

/** Removes builds of older sources, once they are an hour old (a parallel run may still be using a recent one). */
function pruneStaleBuilds(cacheDir: string, current: string): void {
  for (const entry of fs.readdirSync(cacheDir, { withFileTypes: true })) {
    const full = path.join(cacheDir, entry.name);
    if (full === current || !entry.isDirectory()) continue;
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > 60 * 60 * 1000)
        fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

export interface IsolatedParseOutcome {
  /** returned: parse returned; threw: parse threw; timeout: no answer within the limit; crashed: the worker died (out of memory...). */
  status: 'returned' | 'threw' | 'timeout' | 'crashed';
  /** Time spent in parseIntegrationYaml, measured in the worker (the limit, for a timeout). */
  ms: number;
  ok?: boolean;
  problemCount?: number;
  /** The first 200 problems. */
  problems?: DefinitionProblem[];
  /** Problems (or warnings) of the result that lack a valid line, column, message or code, at most 20. */
  malformed?: DefinitionProblem[];
  error?: string;
}

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.moduleUrl).then((definition) => {
  const codes = new Set(Object.keys(definition.definitionProblemCodes));
  const wellFormed = (problem) =>
    Number.isInteger(problem.line) && problem.line >= 1 && Number.isInteger(problem.column) && problem.column >= 1 &&
    typeof problem.message === 'string' && problem.message.length > 0 && codes.has(problem.code);
  parentPort.once('message', ({ text, options }) => {
    const started = performance.now();
    let result;
    try {
      result = definition.parseIntegrationYaml(text, options);
    } catch (error) {
      parentPort.postMessage({ status: 'threw', ms: performance.now() - started, error: String(error && error.stack || error) });
      return;
    }
    const ms = performance.now() - started;
    const problems = result.ok ? result.warnings : result.problems;
    parentPort.postMessage({
      status: 'returned',
      ms,
      ok: result.ok,
      problemCount: problems.length,
      problems: problems.slice(0, 200),
      malformed: problems.filter((problem) => !wellFormed(problem)).slice(0, 20),
    });
  });
  parentPort.postMessage('ready');
}, (error) => { throw error; });
`;

/** Parses `text` in a fresh worker; gives up after `timeoutMs` (measured from handing over the text). */
export function parseIsolated(
  text: string,
  {
    timeoutMs,
    fileName,
    maxOldGenerationSizeMb = 1024,
  }: { timeoutMs: number; fileName?: string; maxOldGenerationSizeMb?: number },
): Promise<IsolatedParseOutcome> {
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { moduleUrl: compiledDefinitionModule() },
    resourceLimits: { maxOldGenerationSizeMb },
  });
  return new Promise<IsolatedParseOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: IsolatedParseOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    worker.on('message', (message: 'ready' | IsolatedParseOutcome) => {
      if (message === 'ready') {
        timer = setTimeout(() => settle({ status: 'timeout', ms: timeoutMs }), timeoutMs);
        worker.postMessage({ text, options: { fileName } });
        return;
      }
      settle(message);
    });
    worker.on('error', (error) =>
      settle({ status: 'crashed', ms: Number.NaN, error: String(error.stack ?? error) }),
    );
    worker.on('exit', (code) =>
      settle({ status: 'crashed', ms: Number.NaN, error: `the worker exited with code ${code}` }),
    );
  });
}
