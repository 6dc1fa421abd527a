/**
 * `weft instances:*` (the connection ones are with the connections). Registered in the order `weft --help` lists
 * them, `executions:show` last: `instances:test --wait` prints an execution as it does.
 */
import type { Command } from 'commander';
import { registerExecutionShow } from '../executions/show.js';
import { registerEditCommands } from './edit.js';
import { registerEndpointCommands } from './endpoints.js';
import { registerLifecycleCommands } from './lifecycle.js';
import { registerTestRunCommand } from './test-run.js';

export function registerInstanceCommands(program: Command): void {
  registerEditCommands(program);
  registerLifecycleCommands(program);
  registerEndpointCommands(program);
  registerTestRunCommand(program);
  registerExecutionShow(program);
}
