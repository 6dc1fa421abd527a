import { WeftApiError } from '@weft/client';
import type { WeftError } from '@weft/server';

/**
 * Recognised by name rather than `instanceof`, so this module does not load the server package: API commands,
 * which never need it, start faster.
 */
function isWeftError(error: unknown): error is WeftError {
  return (
    error instanceof Error && error.name === 'WeftError' && typeof (error as WeftError).code === 'string'
  );
}

/** An error the CLI reports in one line and an exit code, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Prints any error the way a person can act on it, and returns the exit code to use. */
export function reportError(
  error: unknown,
  write: (text: string) => void = (t) => process.stderr.write(t),
): number {
  if (error instanceof CliError || error instanceof WeftApiError) {
    // A refusal from the server (WeftApiError): its code and message, exit 1.
    write(`Error${error.code ? ` [${error.code}]` : ''}: ${error.message}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
  if (isWeftError(error)) {
    const problems = Array.isArray(error.details.problems) ? (error.details.problems as string[]) : [];
    write(`Error [${error.code}]: ${error.message}\n`);
    for (const problem of problems) write(`  - ${problem}\n`);
    write(`${error.hint}\n`);
    return error.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  write(`Error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
