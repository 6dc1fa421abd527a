/**
 * `weft login` and `weft logout`. The CLI keeps using API tokens (no cookies, no CSRF in scripts): `login` signs in
 * with email and password, creates an API token that belongs to the user ("weft login on <host>", at most the user's
 * role, deleted with the user), signs that session out again, and stores the URL and token in
 * `${XDG_CONFIG_HOME:-~/.config}/weft/credentials.json` (mode 600). Every API command then uses it when --token and
 * WEFT_TOKEN are absent. `logout` revokes the token and deletes the file. The password goes over https, or plain http
 * to this machine only (loopback), unless --insecure.
 */
import os from 'node:os';
import readline from 'node:readline';
import { answerOf, createWeftClient, WeftApiError, type WeftClient } from '@weft/client';
import type { Command } from 'commander';
import { requestTimeoutMs } from '../../api.js';
import { CliError } from '../../cli-error.js';
import {
  credentialsFile,
  deleteCredentials,
  readCredentials,
  sameServer,
  writeCredentials,
} from '../../credentials.js';
import type { GlobalOptions } from '../../global-options.js';
import { printJson } from '../../output.js';

const defaultUrl = 'http://127.0.0.1:3000';

/** A client of `url` with no token (sign-in is public), whose failures to connect are told as the CLI tells them. */
function publicClient(url: string, headers: Record<string, string> = {}): WeftClient {
  return createWeftClient({
    url,
    headers,
    fetch: async (request) => {
      try {
        return await fetch(request, { signal: AbortSignal.timeout(requestTimeoutMs) });
      } catch (error) {
        const { cause } = error as { cause?: { code?: string; message?: string } };
        throw new CliError(
          `Cannot reach Weft at ${url} (${cause?.code ?? cause?.message ?? (error as Error).name}). Is it running? Pass --url or set WEFT_URL.`,
        );
      }
    },
  });
}

function checkedUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (
    !parsed ||
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    parsed.username ||
    parsed.password
  ) {
    throw new CliError(
      `'${url}' is not a Weft server URL; pass --url or set WEFT_URL to one like ${defaultUrl}.`,
      2,
    );
  }
  return url.replace(/\/+$/, '');
}

/** Host names that are this machine: a password sent to them over plain http never crosses a network. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Refuses to send a password in clear text to another machine: plain http is for this one (a server on loopback),
 * unless --insecure says the network in between is trusted.
 */
function refuseCleartext(url: string, insecure: boolean | undefined): void {
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'http:' || insecure || isLoopback(hostname)) return;
  throw new CliError(
    `${url} is plain http on another machine: the password would cross the network unencrypted. Use its https:// URL, or pass --insecure if the network in between is trusted.`,
    2,
  );
}

/** The whole of stdin, without the line break that ends it: `echo "$PASSWORD" | weft login --password-stdin`. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal; with `hidden`, what is typed is not echoed. */
function ask(question: string, hidden = false): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) {
    const output = rl as unknown as { _writeToOutput(text: string): void };
    let asked = false;
    output._writeToOutput = (text: string) => {
      if (!asked) {
        process.stderr.write(text);
        asked = true;
      }
    };
  }
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function credentialsToSignIn(flags: { email?: string; passwordStdin?: boolean }) {
  const interactive = Boolean(process.stdin.isTTY);
  let email = flags.email;
  if (!email) {
    if (!interactive || flags.passwordStdin) {
      throw new CliError('Pass --email <email> (there is no terminal to ask it on).', 2);
    }
    email = (await ask('Email: ')).trim();
  }
  let password: string;
  if (flags.passwordStdin) {
    password = await readStdin();
  } else if (interactive) {
    password = await ask('Password: ', true);
  } else {
    throw new CliError('There is no terminal to ask the password on: pipe it in with --password-stdin.', 2);
  }
  if (!email || !password) throw new CliError('An email and a password are needed to sign in.', 2);
  return { email, password };
}

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .description(
      'Sign in as a user: stores an API token of yours for this server in ~/.config/weft/credentials.json, used when --token and WEFT_TOKEN are absent',
    )
    .option('-e, --email <email>', 'your email (asked when absent)')
    .option('--password-stdin', 'read the password from stdin (for scripts); asked on the terminal otherwise')
    .option('--organization <id>', 'the organization to sign in to, when your email is a user of several')
    .option(
      '--insecure',
      'allow plain http to a server on another machine (the password then crosses the network unencrypted)',
    )
    .action(
      async (
        flags: { email?: string; passwordStdin?: boolean; organization?: string; insecure?: boolean },
        command: Command,
      ) => {
        const options = command.optsWithGlobals<GlobalOptions>();
        const url = checkedUrl(
          options.url || process.env.WEFT_URL?.trim() || readCredentials()?.url || defaultUrl,
        );
        // Before the password is even asked for.
        refuseCleartext(url, flags.insecure);
        const { email, password } = await credentialsToSignIn(flags);

        const signInCall = publicClient(url).POST('/api/auth/sign-in', {
          body: { email, password, ...(flags.organization ? { organization: flags.organization } : {}) },
        });
        const { response } = await signInCall;
        const signedIn = await answerOf(signInCall);
        const cookie = response.headers
          .getSetCookie()
          .map((header) => header.split(';')[0] ?? '')
          .find((pair) => pair.startsWith('weft_session='));
        if (!cookie)
          throw new CliError(`${url} answered the sign-in without a session cookie; is it a Weft server?`);
        // The session made only to create the token: the CSRF header goes with every change, as in a browser.
        const asSession = publicClient(url, { cookie, 'x-csrf-token': signedIn.csrfToken });
        const created = await answerOf(
          asSession.POST('/api/users/me/tokens', { body: { name: `weft login on ${os.hostname()}` } }),
        );
        await asSession.POST('/api/auth/sign-out').catch(() => undefined);

        // A previous login to this server: its token is revoked, as the new one replaces it.
        const previous = readCredentials();
        if (
          previous &&
          sameServer(previous.url, url) &&
          previous.tokenId &&
          previous.tokenId !== created.token.id
        ) {
          const asNew = publicClient(url, { authorization: `Bearer ${created.secret}` });
          await asNew
            .DELETE('/api/users/me/tokens/{id}', { params: { path: { id: previous.tokenId } } })
            .catch(() => undefined);
        }
        const file = writeCredentials({
          url,
          token: created.secret,
          tokenId: created.token.id,
          email: signedIn.user.email,
          organizationId: signedIn.organization.id,
          createdAt: new Date().toISOString(),
        });
        if (options.json) {
          printJson({
            url,
            user: signedIn.user,
            organization: signedIn.organization,
            token: created.token,
            file,
          });
          return;
        }
        process.stdout.write(
          `Signed in to ${url} as ${signedIn.user.email} (${signedIn.user.role}, organization ${signedIn.organization.name}).\nToken '${created.token.name}' stored in ${file}; \`weft logout\` revokes it.\n`,
        );
      },
    );

  program
    .command('logout')
    .description('Revoke the token `weft login` stored, and delete it')
    .action(async (_flags: unknown, command: Command) => {
      const options = command.optsWithGlobals<GlobalOptions>();
      const stored = readCredentials();
      if (!stored) {
        if (options.json) printJson({ signedOut: false, file: credentialsFile() });
        else process.stdout.write('Not signed in: no stored credentials.\n');
        return;
      }
      let revoked = false;
      let warning: string | undefined;
      try {
        const weft = publicClient(stored.url, { authorization: `Bearer ${stored.token}` });
        await answerOf(
          weft.DELETE('/api/users/me/tokens/{id}', { params: { path: { id: stored.tokenId } } }),
        );
        revoked = true;
      } catch (error) {
        // Already revoked, or its user removed: nothing is left to revoke.
        if (error instanceof WeftApiError && (error.status === 401 || error.status === 404)) revoked = true;
        else
          warning = `could not revoke the token at ${stored.url} (${(error as Error).message}); revoke it there with \`weft tokens:revoke ${stored.tokenId}\``;
      }
      deleteCredentials();
      if (warning) process.stderr.write(`Warning: ${warning}\n`);
      if (options.json) printJson({ signedOut: true, revoked, url: stored.url, file: credentialsFile() });
      else
        process.stdout.write(
          `Signed out of ${stored.url}: ${revoked ? 'token revoked and ' : ''}credentials deleted.\n`,
        );
    });
}
