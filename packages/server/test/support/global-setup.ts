import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import {
  connectDatabase,
  createLogger,
  type EmbeddedPostgres,
  migrateAll,
  startEmbeddedPostgres,
} from '../../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test run's PostgreSQL (its `postgres` database); each test file makes its own database. */
    postgresAdminUrl: string;
    /**
     * A database of the test run's PostgreSQL that `migrateAll` brought up to date and nothing else touched (no
     * organization, no keys): test servers get a copy of it (`create database … template`) instead of running every
     * migration again on each start. Nobody connects to it, as PostgreSQL requires of a template.
     */
    postgresTemplateDatabase: string;
  }
}

/**
 * One real PostgreSQL for the whole test run, from the same embedded binaries `weft start` uses. Test files get
 * their own database in it, so they can run in parallel without seeing each other's rows. With
 * TEST_DATABASE_URL set (a superuser URL), tests use that server instead.
 */
let postgres: EmbeddedPostgres | undefined;
let dataDir: string | undefined;
let adminUrl: string | undefined;
let templateName: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    adminUrl = external;
  } else {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-test-pg-'));
    postgres = await startEmbeddedPostgres({
      clusterDir: path.join(dataDir, 'postgres'),
      log: createLogger('warn'),
      database: 'postgres',
    });
    adminUrl = postgres.databaseUrl;
  }
  project.provide('postgresAdminUrl', adminUrl);
  templateName = await createMigratedTemplate(adminUrl);
  project.provide('postgresTemplateDatabase', templateName);
}

/** Creates a database, runs Weft's migrations (its own and the job queue's) on it, and disconnects. */
async function createMigratedTemplate(admin: string): Promise<string> {
  const name = `weft_template_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const log = createLogger('warn');
  const database = await connectDatabase(url.toString(), log);
  try {
    await migrateAll(database, log);
  } finally {
    await database.close();
  }
  return name;
}

export async function teardown(): Promise<void> {
  if (templateName && adminUrl && !postgres) {
    // An external server outlives the run: leave no template behind there.
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`drop database if exists ${templateName}`);
    } finally {
      await client.end();
    }
  }
  await postgres?.stop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
}
