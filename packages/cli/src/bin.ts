import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { reportError } from './cli-error.js';
import { registerAlertCommands } from './commands/alerts/index.js';
import { registerAuditCommands } from './commands/audit/index.js';
import { registerComponentCommands } from './commands/components/index.js';
import { registerConnectionCommands } from './commands/connections/index.js';
import { registerCustomerCommands } from './commands/customers/index.js';
import { registerEventWebhookCommands } from './commands/event-webhooks/index.js';
import { registerExecutionCommands } from './commands/executions/index.js';
import { registerInstanceCommands } from './commands/instances/index.js';
import { registerIntegrationCommands } from './commands/integrations/index.js';
import { registerLocalCommands } from './commands/local/index.js';
import { registerLogStreamCommands } from './commands/log-streams/index.js';
import { registerMarketplaceCommands } from './commands/marketplace/index.js';
import { registerOrganizationCommands } from './commands/organization/index.js';
import { registerRunCommand } from './commands/run/index.js';
import { registerSigningKeyCommands } from './commands/signing-keys/index.js';
import { registerTokenCommands } from './commands/tokens/index.js';
import { registerUserCommands } from './commands/users/index.js';

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
  .configureHelp({
    showGlobalOptions: true,
    // `weft --version` is read only before a command's name: it is not one of the command's options.
    visibleGlobalOptions(this: Help, command: Command) {
      return Help.prototype.visibleGlobalOptions
        .call(this, command)
        .filter((option) => option.long !== '--version');
    },
  })
  // Options before the command are the program's, options after it the command's: so a command may have its own
  // `--version` (a version number), and `weft --version` still prints Weft's.
  .enablePositionalOptions()
  .exitOverride();

registerLocalCommands(program);
registerCustomerCommands(program);
registerIntegrationCommands(program); // with integrations:build
registerComponentCommands(program);
registerInstanceCommands(program);
registerConnectionCommands(program);
registerMarketplaceCommands(program);
registerExecutionCommands(program);
registerTokenCommands(program);
registerUserCommands(program); // with login and logout
registerSigningKeyCommands(program);
registerOrganizationCommands(program);
registerAlertCommands(program);
registerAuditCommands(program);
registerEventWebhookCommands(program);
registerLogStreamCommands(program);
registerRunCommand(program);

// Every command also takes the connection and output options after its name (`weft customers:list --json`).
for (const command of program.commands) {
  for (const option of program.options) {
    if (option.long === '--version' || command.options.some((own) => own.long === option.long)) continue;
    command.addOption(new Option(option.flags, option.description).hideHelp());
  }
}

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
