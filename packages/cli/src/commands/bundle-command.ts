/** `integrations:build` and `components:build`: a project bundled into one file, no server needed. */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { CodeNativeBuildError } from '../code-native-build.js';
import { formatBytes, printJson } from '../output.js';

export interface BundleCommand<Result> {
  name: string;
  description: string;
  /** The bundle's default file, as `--out` describes it: `<dir>/dist/integration.cjs`. */
  defaultOut: string;
  /** The line on stderr before building (`Bundling … in DIR…`). */
  announce: (dir: string) => string;
  build: (dir: string, options: { outFile?: string }) => Promise<Result>;
  /** Lines on stderr after a build, before the size (what was bundled from where). */
  notes?: (result: Result) => string[];
  /** What to do with the bundle: `import it with \`weft integrations:import\``. */
  next: string;
}

export function registerBundleCommand<Result extends { outFile: string; bytes: number }>(
  program: Command,
  spec: BundleCommand<Result>,
): void {
  program
    .command(spec.name)
    .description(spec.description)
    .option('-p, --path <dir>', 'the project directory', '.')
    .option('-o, --out <file>', `where to write the bundle (default ${spec.defaultOut})`)
    .option('--json', 'print {"path", "bytes"} as JSON')
    .action(async (flags: { path: string; out?: string; json?: boolean }, command: Command) => {
      const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
      if (!json) process.stderr.write(`${spec.announce(flags.path)}\n`);
      let result: Result;
      try {
        result = await spec.build(flags.path, flags.out ? { outFile: flags.out } : {});
      } catch (error) {
        if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
        throw error;
      }
      if (json) return printJson({ path: result.outFile, bytes: result.bytes });
      for (const note of spec.notes?.(result) ?? []) process.stderr.write(`${note}\n`);
      process.stderr.write(`Built ${formatBytes(result.bytes)}; ${spec.next}.\n`);
      process.stdout.write(`${result.outFile}\n`);
    });
}
