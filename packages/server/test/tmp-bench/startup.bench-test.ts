import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { inject, it } from 'vitest';
import { createLogger, loadConfig, startWeft } from '../../src/index.js';
import { connectDatabase } from '../../src/database/connection.js';
import { migrateAll } from '../../src/database/migrate.js';
import { createTestDatabase, loopbackEgressAllow, sharedKeyEnv } from '../support/test-server.js';

it('phases', async () => {
  const log = createLogger('silent');
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    const url = await createTestDatabase();
    const tCreate = performance.now() - t;
    t = performance.now();
    const db = await connectDatabase(url, log);
    await migrateAll(db, log);
    const tMig = performance.now() - t;
    t = performance.now();
    await migrateAll(db, log);
    const tMig2 = performance.now() - t;
    await db.close();
    // template
    const admin = new pg.Client({ connectionString: inject('postgresAdminUrl') });
    await admin.connect();
    const tmplName = new URL(url).pathname.slice(1);
    t = performance.now();
    await admin.query(`create database ${tmplName}_copy template ${tmplName}`);
    const tTmpl = performance.now() - t;
    await admin.end();
    const copyUrl = new URL(url); copyUrl.pathname = `/${tmplName}_copy`;
    t = performance.now();
    const config = loadConfig({ WEFT_PORT: '0', WEFT_LOG_LEVEL: 'silent', WEFT_EGRESS_ALLOW: loopbackEgressAllow, ...sharedKeyEnv(), DATABASE_URL: copyUrl.toString() });
    const weft = await startWeft(config, { log });
    const tStart = performance.now() - t;
    t = performance.now();
    await weft.stop();
    const tStop = performance.now() - t;
    console.log(JSON.stringify({ tCreate, tMig, tMig2, tTmpl, tStartOnMigrated: tStart, tStop }));
  }
}, 300_000);
