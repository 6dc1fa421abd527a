// Reference servers for bench/webhooks.js: the fastest a Node process can answer the same webhook request, with
// and without a durable PostgreSQL INSERT. Run as a child process so it does not share the load generator's event
// loop or CPU accounting. Prints `port <n>` on stdout once listening; exits on SIGTERM.
// Usage: node bench/support/ceiling-server.js bare|insert|notify   (insert and notify need DATABASE_URL)
import http from 'node:http';
import pg from 'pg';

const mode = process.argv[2];
if (!['bare', 'insert', 'notify'].includes(mode)) {
  console.error('usage: ceiling-server.js bare|insert|notify');
  process.exit(2);
}

let pool;
if (mode !== 'bare') {
  // Same pool size as Weft's (packages/server/src/database/connection.ts), so both have the same database fan-out.
  pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  await pool.query(
    'create table if not exists bench_ceiling (id bigserial primary key, body jsonb not null, received_at timestamptz not null default now())',
  );
}

const ok = Buffer.from('{"ok":true}');
const insert = 'insert into bench_ceiling (body) values ($1::jsonb) returning id';
// As Weft's ingest does through graphile_worker.add_job (pg_notify('jobs:insert')): a NOTIFY in the same
// transaction. PostgreSQL holds one cluster-wide lock from a notifying transaction's pre-commit until its commit is
// flushed, so such commits cannot share a WAL flush (group commit) the way plain INSERTs do.
const insertAndNotify = `with row as (insert into bench_ceiling (body) values ($1::jsonb) returning id)
  select id, pg_notify('bench_ceiling', '') from row`;

const server = http.createServer((request, response) => {
  // Read the whole body in both modes: Weft has to, so the bare ceiling must too.
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (mode === 'bare') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': ok.length });
      response.end(ok);
      return;
    }
    // Parsed here as Weft parses a JSON webhook body; PostgreSQL parses the text again into jsonb. The INSERT is a
    // plain autocommit statement with the cluster's default synchronous_commit=on: answered only once durable.
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      JSON.parse(text);
    } catch {
      response.writeHead(400).end();
      return;
    }
    pool.query(mode === 'notify' ? insertAndNotify : insert, [text]).then(
      (result) => {
        const id = String(result.rows[0].id);
        const body = Buffer.from(JSON.stringify({ id }));
        response.writeHead(200, {
          'content-type': 'application/json',
          'content-length': body.length,
          'x-row-id': id,
        });
        response.end(body);
      },
      (error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error.message));
      },
    );
  });
});

server.keepAliveTimeout = 72_000; // Fastify's default (Weft's server), instead of Node's 5 s
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${server.address().port}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  Promise.resolve(pool?.end()).finally(() => process.exit(0));
});
