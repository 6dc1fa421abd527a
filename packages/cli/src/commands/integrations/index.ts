/**
 * `weft integrations:*`. Registered in the order `weft --help` lists them: import, export and publish; list, get,
 * create and update; versions; fork and delete; attachments; build.
 */
import type { Command } from 'commander';
import { registerAttachmentCommands } from './attachments.js';
import { registerIntegrationBuildCommand } from './build.js';
import { registerEditCommands, registerForkAndDelete } from './edit.js';
import { registerTransferCommands } from './transfer.js';
import { registerVersionCommands } from './versions.js';

export function registerIntegrationCommands(program: Command): void {
  registerTransferCommands(program);
  registerEditCommands(program);
  registerVersionCommands(program);
  registerForkAndDelete(program);
  registerAttachmentCommands(program);
  registerIntegrationBuildCommand(program);
}
