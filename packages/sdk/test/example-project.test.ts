// The example code-native project (examples/code-native-integration) type-checks against the built @weft/sdk,
// with its .weft/index.ts augmentation typing context.configVars (its flows read variables as their types).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const tsconfig = fileURLToPath(
  new URL('../../../examples/code-native-integration/tsconfig.json', import.meta.url),
);

describe('examples/code-native-integration', () => {
  it('type-checks with its config variables typed from its config pages', async () => {
    const result = await run(process.execPath, [tsc, '-p', tsconfig], { timeout: 120_000 }).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? '' }),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });
});
