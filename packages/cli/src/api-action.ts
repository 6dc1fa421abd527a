import type { WeftClient } from '@weft/client';
import type { Command } from 'commander';
import { checkSettings, clientFor } from './api.js';
import type { GlobalOptions } from './global-options.js';

/** What an API command's action works with, from the global options (before or after the command's name). */
export interface ApiCommand {
  /** The typed client (every request within 30 s). */
  weft: WeftClient;
  /** `--json`: print JSON instead of tables and sentences. */
  json: boolean;
  /** A client whose requests may take `timeoutMs`: uploads, imports, key rotation. */
  patientClient(timeoutMs: number): WeftClient;
  /** Fails as a request would without a token or with a bad URL: before slow local work (a build). */
  checkSettings(): void;
}

/**
 * A commander action for an API command: `run` gets the ApiCommand, then the command's arguments and options as
 * commander passes them (its last argument, the Command, is taken here).
 */
export function apiAction<Args extends unknown[]>(
  run: (api: ApiCommand, ...args: Args) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return (...args) => {
    const options = (args.at(-1) as Command).optsWithGlobals<GlobalOptions>();
    const api: ApiCommand = {
      weft: clientFor(options),
      json: Boolean(options.json),
      patientClient: (timeoutMs) => clientFor(options, timeoutMs),
      checkSettings: () => checkSettings(options),
    };
    return run(api, ...(args.slice(0, -1) as Args));
  };
}
