// Issue 2: a clean shutdown stops accepting, lets in-flight requests finish, and loses nothing it answered 2xx to.
import http from 'node:http';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestServer } from './support/test-server.js';

describe('shutdown', () => {
  it('finishes a request that is still uploading when the stop begins, then refuses new connections', async () => {
    const server = await startTestServer();
    const body = JSON.stringify({ name: 'Arrived during shutdown', externalId: 'drain-1' });
    const { port } = new URL(server.url);

    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/customers',
          headers: {
            authorization: `Bearer ${server.ownerToken}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      // Half the body now; the rest once the shutdown has begun.
      request.write(body.slice(0, 10));
      setTimeout(() => {
        stopped = server.stop();
        setTimeout(() => request.end(body.slice(10)), 300);
      }, 200);
    });
    let stopped: Promise<void> | undefined;

    const result = await answer;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.text).name).toBe('Arrived during shutdown');
    await stopped;

    // Nothing answered 2xx was lost, and the port no longer accepts.
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      const rows = await client.query("select name from customers where external_id = 'drain-1'");
      expect(rows.rows).toEqual([{ name: 'Arrived during shutdown' }]);
    } finally {
      await client.end();
    }
    const refused = await fetch(`${server.url}/healthz`).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(refused).toBe('ECONNREFUSED');
  });
});

describe('stop right after start', () => {
  // Regression: the scheduler's first leadership attempt was still connecting when stop() ran; it then took the
  // lock and held a pool connection forever, so stop() never returned.
  it('returns and releases the scheduler lock, so another process can lead', async () => {
    const first = await startTestServer();
    await first.stop();
    const admin = new pg.Client({ connectionString: first.databaseUrl });
    await admin.connect();
    try {
      const held = await admin.query(
        "select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 2003133044 and objid = 2 and database = (select oid from pg_database where datname = current_database())",
      );
      expect(held.rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
