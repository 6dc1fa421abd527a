import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { buildCodeNativeBundle, CodeNativeBuildError } from '../code-native-build.js';
import { printJson } from '../output.js';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `weft integrations:build`: bundles a code-native project (no server needed). */
export function registerIntegrationBuildCommand(program: Command): void {
  program
    .command('integrations:build')
    .description(
      'Bundle a code-native integration project into one file to import (default dist/integration.cjs)',
    )
    .option('-p, --path <dir>', 'the project directory', '.')
    .option('-o, --out <file>', 'where to write the bundle (default <dir>/dist/integration.cjs)')
    .option('--json', 'print {"path", "bytes"} as JSON')
    .action(async (flags: { path: string; out?: string; json?: boolean }, command: Command) => {
      const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
      if (!json) process.stderr.write(`Bundling the code-native integration in ${flags.path}…\n`);
      let result: Awaited<ReturnType<typeof buildCodeNativeBundle>>;
      try {
        result = await buildCodeNativeBundle(flags.path, flags.out ? { outFile: flags.out } : {});
      } catch (error) {
        if (error instanceof CodeNativeBuildError) throw new CliError(error.message, 1, 'BUILD_FAILED');
        throw error;
      }
      if (json) return printJson({ path: result.outFile, bytes: result.bytes });
      process.stderr.write(
        `Built ${formatBytes(result.bytes)}; import it with \`weft integrations:import\`.\n`,
      );
      process.stdout.write(`${result.outFile}\n`);
    });
}
