import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger, type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test run's PostgreSQL (its `postgres` database); each test file makes its own database. */
    postgresAdminUrl: string;
  }
}

/**
 * One real PostgreSQL for the whole test run, from the same embedded binaries `weft start` uses. Test files get
 * their own database in it, so they can run in parallel without seeing each other's rows. With
 * TEST_DATABASE_URL set (a superuser URL), tests use that server instead.
 */
let postgres: EmbeddedPostgres | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresAdminUrl', external);
    return;
  }
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-test-pg-'));
  postgres = await startEmbeddedPostgres({
    clusterDir: path.join(dataDir, 'postgres'),
    log: createLogger('warn'),
    database: 'postgres',
  });
  project.provide('postgresAdminUrl', postgres.databaseUrl);
}

export async function teardown(): Promise<void> {
  await postgres?.stop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
}
