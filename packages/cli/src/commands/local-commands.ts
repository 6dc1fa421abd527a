import path from 'node:path';
import {
  type ConfigFlags,
  connectDatabase,
  createLogger,
  loadConfig,
  migrateDatabase,
  recoverOwnerToken,
  startWeft,
  type WeftConfig,
  weftVersion,
} from '@weft/server';
import type { Command } from 'commander';
import { reportError } from '../cli-error.js';
import { openLocalDatabase } from '../local-database.js';

/** The commands that run on the server's machine (start, migrate, recover); every other command uses HTTP. */

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',')];
}

function withServerFlags(command: Command): Command {
  return command
    .option('--host <host>', 'address to listen on (env WEFT_HOST, default 127.0.0.1)')
    .option('--port <port>', 'HTTP port; 0 picks a free one (env WEFT_PORT, default 3000)')
    .option('--data-dir <dir>', 'where Weft keeps its files (env WEFT_DATA_DIR, default ./.weft)')
    .option('--database-url <url>', 'external PostgreSQL; unset runs the embedded one (env DATABASE_URL)')
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (env WEFT_LOG_LEVEL, default info)',
    );
}

const progress = (message: string) => process.stderr.write(`• ${message}…\n`);

export function registerLocalCommands(program: Command): void {
  withServerFlags(program.command('start'))
    .description('Run Weft: all roles in one process, or only those named with --role')
    .option(
      '--role <role>',
      'api, ingress, worker or scheduler; repeat or comma-separate (env WEFT_ROLES)',
      collect,
    )
    .action(async (flags: ConfigFlags) => {
      const started = performance.now();
      const config = loadConfig(process.env, flags);
      const log = createLogger(config.logLevel);
      progress(`Starting Weft ${weftVersion}`);
      const weft = await startWeft(config, { log, onProgress: progress });
      process.stderr.write(readyBanner(config, weft, (performance.now() - started) / 1000));
      let signals = 0;
      const shutdown = (signal: string) => {
        signals += 1;
        if (signals > 1) {
          process.stderr.write(`Second ${signal}: exiting without waiting.\n`);
          process.exit(1);
        }
        process.stderr.write(`${signal} received: finishing in-flight requests, then stopping…\n`);
        weft.stop().then(
          () => {
            process.stderr.write('Weft stopped.\n');
            process.exit(0);
          },
          (error) => process.exit(reportError(error)),
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });

  withServerFlags(program.command('migrate'))
    .description('Apply database migrations and exit (start does this too)')
    .action(async (flags: ConfigFlags) => {
      const config = loadConfig(process.env, flags);
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      await openLocalDatabase(config, log, progress, async (databaseUrl) => {
        const database = await connectDatabase(databaseUrl, log, 2);
        try {
          const applied = await migrateDatabase(database.db, log);
          process.stdout.write(
            applied.length
              ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
              : 'The database is up to date.\n',
          );
        } finally {
          await database.close();
        }
      });
    });

  withServerFlags(program.command('tokens:recover'))
    .description(
      'Create a new owner token directly in the database (when every owner token is lost); Weft must be stopped when it uses the embedded database',
    )
    .option('--name <name>', 'name of the new token', 'owner (recovered)')
    .action(async (flags: ConfigFlags & { name: string }) => {
      const config = loadConfig(process.env, flags);
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
      await openLocalDatabase(config, log, progress, async (databaseUrl) => {
        const database = await connectDatabase(databaseUrl, log, 2);
        try {
          const { ownerToken } = await recoverOwnerToken(database.db, flags.name);
          process.stdout.write(`New owner token (shown only this once):\n  ${ownerToken}\n`);
        } finally {
          await database.close();
        }
      });
    });
}

function readyBanner(
  config: WeftConfig,
  weft: Awaited<ReturnType<typeof startWeft>>,
  seconds: number,
): string {
  const data = weft.embeddedPostgres
    ? `${config.dataDir} (embedded PostgreSQL on 127.0.0.1:${weft.embeddedPostgres.port})`
    : `external PostgreSQL (DATABASE_URL)`;
  const lines = [
    '',
    `Weft ${weftVersion} is ready in ${seconds.toFixed(1)} s`,
    `  URL       ${weft.url}`,
    ...(config.roles.includes('api') ? [`  API docs  ${weft.url}/api/docs`] : []),
    `  Data      ${data}`,
    `  Roles     ${config.roles.join(', ')}`,
    '',
  ];
  if (weft.ownerToken && !config.adminToken) {
    lines.push(
      '  Owner API token (shown only this once; store it now):',
      `    ${weft.ownerToken}`,
      '',
      `  Try it:   export WEFT_URL=${weft.url} WEFT_TOKEN=${weft.ownerToken}`,
      '            npx weft customers:list',
      '',
    );
  } else if (weft.ownerToken) {
    lines.push('  Owner API token: the value of WEFT_ADMIN_TOKEN.', '');
  } else {
    lines.push(
      '  Owner API token: printed on the first start only. Lost it? Stop Weft and run `npx weft tokens:recover`.',
      '',
    );
  }
  lines.push(
    `  Stop with Ctrl-C. Logs are JSON on stdout; data stays in ${path.relative(process.cwd(), config.dataDir) || '.'} across restarts.`,
    '',
  );
  return `${lines.join('\n')}\n`;
}
