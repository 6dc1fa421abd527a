import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFlags, WeftConfig, WeftServer } from '@weft/server';
import type { Command } from 'commander';
import { CliError, reportError } from '../../cli-error.js';
import { progress } from '../../output.js';

/**
 * The commands that run on the server's machine (start, migrate, recover); every other command uses HTTP. They
 * load the server package when they run, so the HTTP commands never pay for loading it.
 */
const loadServer = () => import('@weft/server');
const loadLocalDatabase = () => import('../../local-database.js');

/** `--role`: repeatable, and comma-separated. */
function roles(value: string, previous: string[] = []): string[] {
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

/**
 * `weft start`: runs Weft in this process until SIGINT/SIGTERM, then stops it (a second signal exits at once). A
 * signal during start-up stops it as soon as it is up.
 */
async function startWeftHere(flags: ConfigFlags): Promise<void> {
  const started = performance.now();
  const { createLogger, loadConfig, startWeft, weftVersion } = await loadServer();
  const config = loadConfig(process.env, flags);
  const log = createLogger(config.logLevel);
  let weft: WeftServer | undefined;
  let stopRequested = false;
  let signals = 0;
  const stop = (running: WeftServer) =>
    running.stop().then(
      () => {
        process.stderr.write('Weft stopped.\n');
        process.exit(0);
      },
      (error) => process.exit(reportError(error)),
    );
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`Second ${signal}: exiting without waiting.\n`);
      process.exit(1);
    }
    if (weft) {
      process.stderr.write(`${signal} received: finishing in-flight requests, then stopping…\n`);
      void stop(weft);
    } else {
      stopRequested = true;
      process.stderr.write(
        `${signal} received during start-up: stopping as soon as it is up (send it again to exit at once)…\n`,
      );
    }
  };
  // Listen before starting: a signal while the embedded PostgreSQL starts must stop it too, not kill this
  // process and leave PostgreSQL running on the data directory.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  progress(`Starting Weft ${weftVersion}`);
  weft = await startWeft(config, { log, onProgress: progress });
  // Printed even when stopping at once: on the first start it holds the only copy of the owner token.
  process.stderr.write(readyBanner(config, weft, weftVersion, (performance.now() - started) / 1000));
  if (stopRequested) {
    process.stderr.write('Stopping, as asked during start-up…\n');
    await stop(weft);
  }
}

export function registerLocalCommands(program: Command): void {
  withServerFlags(program.command('start'))
    .description('Run Weft: all roles in one process, or only those named with --role')
    .option(
      '--role <role>',
      'api, ingress, worker or scheduler; repeat or comma-separate (env WEFT_ROLES)',
      roles,
    )
    .action(startWeftHere);

  withServerFlags(program.command('migrate'))
    .description('Apply database migrations and exit (start does this too)')
    .action(async (flags: ConfigFlags) => {
      const { connectDatabase, createLogger, loadConfig, migrateAll } = await loadServer();
      const { openLocalDatabase } = await loadLocalDatabase();
      const config = loadConfig(process.env, flags);
      // One-shot commands print their result on stdout for scripts; their logs go to stderr so they never mix.
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
      await openLocalDatabase(config, log, progress, async (databaseUrl) => {
        const database = await connectDatabase(databaseUrl, log, 2);
        try {
          const applied = await migrateAll(database, log);
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
      const { connectDatabase, createLogger, loadConfig, pendingMigrations, recoverOwnerToken } =
        await loadServer();
      const { openLocalDatabase } = await loadLocalDatabase();
      const config = loadConfig(process.env, flags);
      // One-shot commands print their result on stdout for scripts; their logs go to stderr so they never mix.
      const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
      if (!config.databaseUrl && !existsSync(path.join(config.dataDir, 'postgres', 'PG_VERSION'))) {
        // Starting the embedded database here would create a new, empty one: a mistyped --data-dir, not a recovery.
        throw new CliError(
          `There is no Weft database in ${config.dataDir}. Pass the data directory Weft runs with (--data-dir or WEFT_DATA_DIR), or DATABASE_URL.`,
        );
      }
      await openLocalDatabase(config, log, progress, async (databaseUrl) => {
        const database = await connectDatabase(databaseUrl, log, 2);
        try {
          const pending = await pendingMigrations(database.db);
          if (pending.length > 0) {
            throw new CliError(
              `The database schema is not up to date (pending: ${pending.join(', ')}). Run \`weft migrate\` (or start Weft once), then try again.`,
            );
          }
          const { ownerToken } = await recoverOwnerToken(database.db, flags.name);
          process.stdout.write(`New owner token (shown only this once):\n  ${ownerToken}\n`);
        } finally {
          await database.close();
        }
      });
    });
}

function readyBanner(config: WeftConfig, weft: WeftServer, weftVersion: string, seconds: number): string {
  const data = weft.embeddedPostgres
    ? `${config.dataDir} (embedded PostgreSQL on 127.0.0.1:${weft.embeddedPostgres.port})`
    : `external PostgreSQL (DATABASE_URL)`;
  const lines = [
    '',
    `Weft ${weftVersion} is ready in ${seconds.toFixed(1)} s`,
    `  URL       ${weft.url}`,
    ...(config.roles.includes('api')
      ? [
          `  Console   ${weft.url}/`,
          `  API docs  ${weft.url}/api/docs`,
          `  Embed     ${weft.url}/sdk/weft-embed.min.js (docs/embedded-marketplace.md)`,
        ]
      : []),
    `  Data      ${data}`,
    `  Roles     ${config.roles.join(', ')}`,
    '',
  ];
  if (weft.ownerToken && !config.adminToken) {
    lines.push(
      '  Owner API token (shown only this once; store it now):',
      `    ${weft.ownerToken}`,
      '',
      ...(config.roles.includes('api')
        ? [
            '  Create your console account (the link carries the owner token; it works while you keep it):',
            `    ${weft.url}/setup#token=${weft.ownerToken}`,
            '',
          ]
        : []),
      `  Try it:   export WEFT_URL=${weft.url} WEFT_TOKEN=${weft.ownerToken}`,
      '            npx weft customers:list',
      '',
    );
  } else if (weft.ownerToken) {
    lines.push(
      '  Owner API token: the value of WEFT_ADMIN_TOKEN.',
      `  Create your console account at ${weft.url}/setup with that token.`,
      '',
    );
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
