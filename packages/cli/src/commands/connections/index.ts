/**
 * `weft connections:*`, the connection `instances:*` commands and `weft keys:*`, registered in the order
 * `weft --help` lists them.
 */
import type { Command } from 'commander';
import { registerCheckCommands } from './checks.js';
import { registerCustomerCredentials } from './customers.js';
import { registerKeyCommands } from './keys.js';
import { registerConnectionManagement } from './manage.js';

export function registerConnectionCommands(program: Command): void {
  registerConnectionManagement(program);
  registerCustomerCredentials(program);
  registerCheckCommands(program);
  registerKeyCommands(program);
}
