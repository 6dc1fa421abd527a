// Issue 16: sign-in rate limiting and session lifetimes, on a clock the test moves (never the wall clock). After 5
// failed sign-ins for an email (or 20 from one address) within 15 minutes, sign-in is refused for 15 minutes with a
// message that says when to come back; afterwards it works, and a success clears the count. Sessions end after their
// idle window (sliding) and at their absolute end. No password ever reaches a log line.
import { Writable } from 'node:stream';
import { createFakeClock, type FakeClock } from '@weft/engine';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authenticateSession, createSession } from '../src/auth/session-store.js';
import { ComponentSandboxes } from '../src/components/component-sandboxes.js';
import type { ExecutionWaiter } from '../src/executions/execution-waiter.js';
import { buildHttpApp } from '../src/http-app.js';
import { signIn, signInAnswer } from './support/people.js';
import { callApi, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let clock: FakeClock;
let app: FastifyInstance;
let sandboxes: ComponentSandboxes;
let url: string;
const logLines: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  // The same API, on the same database, with a clock this test moves and a log it reads.
  clock = createFakeClock({ now: Date.now() });
  const log = pino(
    { level: 'trace' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  sandboxes = new ComponentSandboxes(log);
  app = await buildHttpApp({
    db: server.weft.database.db,
    log,
    roles: ['api'],
    bodyLimitBytes: 1024 * 1024,
    version: 'test',
    waiter: undefined as unknown as ExecutionWaiter,
    keyring: server.weft.keyring,
    sandboxes,
    publicUrl: undefined,
    syncTimeoutMs: 30_000,
    webhookBodyLimitBytes: 1024 * 1024,
    people: { clock },
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await sandboxes?.close();
  await server?.stop();
});
// Each test starts with fresh windows: whatever the last one counted is more than 15 minutes old.
beforeEach(async () => {
  await clock.advance(60 * 60_000);
});

const password = 'the right password';
let counter = 0;
async function newUser(): Promise<{ id: string; email: string }> {
  counter += 1;
  const email = `locked.${counter}@example.com`;
  const answer = await callApi(url, server.ownerToken, 'POST', '/api/users', {
    body: { email, name: 'Locked', role: 'viewer', password },
  });
  expect(answer.status, answer.text).toBe(201);
  return { id: answer.body.user.id, email };
}

const minutes = (n: number) => n * 60_000;

describe('sign-in lockout', () => {
  it('refuses after 5 failures with when to come back, and lets the right password in after 15 minutes', async () => {
    const { email } = await newUser();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await clock.advance(minutes(1));
      const answer = await signInAnswer(url, { email, password: `wrong guess ${attempt}!` });
      expect(answer.status, `attempt ${attempt}`).toBe(401);
      expect(answer.body.error.code).toBe('AUTH_SIGN_IN_FAILED');
    }
    const lockedAt = clock.now();
    const retryAt = new Date(lockedAt + minutes(15)).toISOString();
    // Even the right password is refused now.
    const locked = await signInAnswer(url, { email, password });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toMatchObject({
      code: 'AUTH_SIGN_IN_LOCKED',
      details: { retryAt, retryAfterSeconds: 900, lockedBy: 'email' },
    });
    expect(locked.body.error.message).toContain(`try again at ${retryAt} (in 15 minutes)`);
    expect(locked.headers.get('retry-after')).toBe('900');
    expect(locked.headers.getSetCookie()).toEqual([]);
    // The email's case does not get around it.
    expect((await signInAnswer(url, { email: email.toUpperCase(), password })).status).toBe(429);

    await clock.advance(minutes(14));
    const stillLocked = await signInAnswer(url, { email, password });
    expect(stillLocked.status).toBe(429);
    expect(stillLocked.headers.get('retry-after')).toBe('60');
    expect(stillLocked.body.error.message).toContain('(in 60 seconds)');

    await clock.advance(minutes(1));
    const session = await signIn(url, { email, password });
    expect(session.signedIn.user.email).toBe(email);
  });

  it('a burst of parallel guesses gets no more than 5 tries: each attempt is counted before the password is checked', async () => {
    const { email } = await newUser();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signInAnswer(url, { email, password: `parallel guess ${i}!` })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((status) => status !== 401).every((status) => status === 429)).toBe(true);
    for (const answer of answers.filter((a) => a.status === 429)) {
      expect(answer.body.error.code).toBe('AUTH_SIGN_IN_LOCKED');
      expect(answer.headers.get('retry-after')).toBe('900');
    }
    // The right password too, until the lock ends.
    expect((await signInAnswer(url, { email, password })).status).toBe(429);
    await clock.advance(minutes(14));
    expect((await signInAnswer(url, { email, password })).status).toBe(429);
    await clock.advance(minutes(1));
    await signIn(url, { email, password });
  });

  it('successful sign-ins from one address do not count towards its lock', async () => {
    const user = await newUser();
    for (let i = 0; i < 25; i += 1) {
      expect((await signInAnswer(url, { email: user.email, password })).status, `sign-in ${i + 1}`).toBe(200);
    }
  });

  it('a new invitation link from an administrator lifts the lock', async () => {
    const { id, email } = await newUser();
    for (let i = 0; i < 5; i += 1) await signInAnswer(url, { email, password: 'forgot it again' });
    expect((await signInAnswer(url, { email, password })).status).toBe(429);
    const invitation = await callApi(url, server.ownerToken, 'POST', `/api/users/${id}/invitation`);
    const secret = (invitation.body.invitationUrl as string).split('/').pop();
    const accepted = await callApi(url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'a fresh new password' },
    });
    expect(accepted.status, accepted.text).toBe(200);
    await signIn(url, { email, password: 'a fresh new password' });
  });

  it('a failure window is 15 minutes, and a success clears the email’s count', async () => {
    const { email } = await newUser();
    const fail = async () => (await signInAnswer(url, { email, password: 'a wrong password' })).status;
    for (let i = 0; i < 4; i += 1) expect(await fail()).toBe(401);
    await signIn(url, { email, password });
    for (let i = 0; i < 4; i += 1) expect(await fail()).toBe(401);
    expect((await signInAnswer(url, { email, password })).status).toBe(200);
    // Four failures, then the window passes: four more do not lock.
    for (let i = 0; i < 4; i += 1) expect(await fail()).toBe(401);
    await clock.advance(minutes(16));
    for (let i = 0; i < 4; i += 1) expect(await fail()).toBe(401);
    expect((await signInAnswer(url, { email, password })).status).toBe(200);
  });

  it('an unknown email is answered like a known one, and locks the same way', async () => {
    const email = 'nobody.at.all@example.com';
    const known = await newUser();
    const unknownAnswer = await signInAnswer(url, { email, password: 'some password' });
    const knownAnswer = await signInAnswer(url, { email: known.email, password: 'some password' });
    expect(unknownAnswer.status).toBe(knownAnswer.status);
    expect(unknownAnswer.body).toEqual(knownAnswer.body);
    for (let i = 0; i < 4; i += 1) await signInAnswer(url, { email, password: 'some password' });
    const locked = await signInAnswer(url, { email, password: 'some password' });
    expect(locked.status).toBe(429);
    expect(locked.body.error.details.lockedBy).toBe('email');
  });

  it('20 failures from one address lock that address, whatever the emails', async () => {
    const users = await Promise.all([newUser(), newUser()]);
    for (let i = 0; i < 20; i += 1) {
      const answer = await signInAnswer(url, {
        email: `guess.${i}@example.com`,
        password: 'a wrong password',
      });
      expect(answer.status, `failure ${i + 1}`).toBe(401);
    }
    const locked = await signInAnswer(url, { email: users[0]?.email ?? '', password });
    expect(locked.status).toBe(429);
    expect(locked.body.error.details.lockedBy).toBe('ip');
    expect(locked.body.error.message).toContain('Sign-in for your network address is locked');
    await clock.advance(minutes(15));
    expect((await signInAnswer(url, { email: users[1]?.email ?? '', password })).status).toBe(200);
  });
});

describe('session lifetimes', () => {
  const settings = { idleMinutes: 12 * 60, maxDays: 7 };

  it('ends after 12 idle hours; use slides the window', async () => {
    const user = await newUser();
    const db = server.weft.database.db;
    const { secret } = await createSession(db, { userId: user.id, clock, settings });
    await clock.advance(minutes(11 * 60));
    await expect(authenticateSession(db, secret, { clock })).resolves.toMatchObject({ userId: user.id });
    await clock.advance(minutes(11 * 60));
    // 22 hours after sign-in, 11 after the last request: still alive.
    await expect(authenticateSession(db, secret, { clock })).resolves.toMatchObject({ userId: user.id });
    await clock.advance(minutes(12 * 60));
    await expect(authenticateSession(db, secret, { clock })).rejects.toMatchObject({
      code: 'AUTH_SESSION_INVALID',
      message: expect.stringContaining('idle since'),
    });
    // An ended session is gone for good.
    await expect(authenticateSession(db, secret, { clock })).rejects.toMatchObject({
      code: 'AUTH_SESSION_INVALID',
    });
  });

  it('ends 7 days after sign-in however much it is used, and writes last_seen_at at most once a minute', async () => {
    const user = await newUser();
    const db = server.weft.database.db;
    const { secret, sessionId } = await createSession(db, { userId: user.id, clock, settings });
    const lastSeen = async () =>
      (
        await db
          .selectFrom('user_sessions')
          .select('last_seen_at')
          .where('id', '=', sessionId)
          .executeTakeFirstOrThrow()
      ).last_seen_at.getTime();
    const start = clock.now();
    await clock.advance(30_000);
    await authenticateSession(db, secret, { clock });
    expect(await lastSeen()).toBe(start);
    await clock.advance(30_000);
    await authenticateSession(db, secret, { clock });
    expect(await lastSeen()).toBe(start + 60_000);
    for (let hour = 1; hour < 7 * 24; hour += 6) {
      await clock.advance(minutes(6 * 60));
      if (clock.now() - start >= 7 * 86_400_000) break;
      await authenticateSession(db, secret, { clock });
    }
    await clock.advance(Math.max(0, start + 7 * 86_400_000 - clock.now()));
    await expect(authenticateSession(db, secret, { clock })).rejects.toMatchObject({
      code: 'AUTH_SESSION_INVALID',
      message: expect.stringContaining('reached its end'),
    });
  });
});

describe('passwords in logs', () => {
  it('no password, session secret or invitation secret was ever logged', async () => {
    const user = await newUser();
    const session = await signIn(url, { email: user.email, password });
    await session.api('GET', '/api/users/me');
    const invited = await callApi(url, server.ownerToken, 'POST', '/api/users', {
      body: { email: 'logged.invite@example.com', name: 'Invite', role: 'viewer' },
    });
    const secret = (invited.body.invitationUrl as string).split('/').pop() as string;
    await callApi(url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'invitation password' },
    });
    await callApi(url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret, password: 'short' },
    });
    const everything = logLines.join('');
    expect(everything).toContain('request answered');
    for (const text of [
      password,
      'wrong guess',
      'a wrong password',
      'invitation password',
      secret,
      session.cookie.split('=')[1] as string,
    ]) {
      expect(everything).not.toContain(text);
    }
  });
});
