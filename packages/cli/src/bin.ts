import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { reportError } from './cli-error.js';
import { registerCustomerCommands } from './commands/customer-commands.js';
import { registerLocalCommands } from './commands/local-commands.js';
import { registerTokenCommands } from './commands/token-commands.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('weft')
  .description('Weft: a self-hosted embedded integration platform')
  .version(version)
  .option('--url <url>', 'Weft server URL (env WEFT_URL, default http://127.0.0.1:3000)')
  .option('--token <token>', 'API token (env WEFT_TOKEN)')
  .option('--json', 'print JSON instead of tables')
  .showHelpAfterError('(run `weft --help` for the commands)')
  .exitOverride();

registerLocalCommands(program);
registerCustomerCommands(program);
registerTokenCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (unknown option, missing argument, --help, --version).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.exitCode = reportError(error);
  }
}
