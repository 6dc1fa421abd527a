/** `weft signing-keys:generate|import|list|deactivate`: the keys that verify embedded sign-in JWTs. */
import { writeFile } from 'node:fs/promises';
import { type ApiSchema, answerOf } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf, printItems } from '../../answers.js';
import { apiAction } from '../../api-action.js';
import { CliError } from '../../cli-error.js';
import { describeFsError, readUserFile } from '../../files.js';
import { choice } from '../../options.js';
import { type Column, formatRecord, printJson } from '../../output.js';

type SigningKey = ApiSchema<'SigningKey'>;

function statusOf(key: SigningKey): string {
  return key.deactivatedAt ? `deactivated ${key.deactivatedAt}` : 'active';
}

const columns: Column<SigningKey>[] = [
  { header: 'id', value: (k) => k.id },
  { header: 'fingerprint', value: (k) => `${k.fingerprint.slice(0, 16)}…` },
  { header: 'last 8', value: (k) => k.last8 ?? '' },
  { header: 'source', value: (k) => k.source },
  { header: 'bits', value: (k) => String(k.bits) },
  { header: 'created', value: (k) => k.createdAt },
  { header: 'status', value: statusOf },
];

function keyRecord(key: SigningKey): string {
  return formatRecord({
    id: key.id,
    fingerprint: key.fingerprint,
    'last 8': key.last8 ?? '(imported: Weft never saw the private key)',
    source: key.source,
    bits: String(key.bits),
    created: key.createdAt,
    status: statusOf(key),
  });
}

const storeWarning =
  'Store the private key now, in your backend’s secrets: Weft does not keep it and cannot show it again. Sign embedded sign-in JWTs with it (RS256).';

/** Writes the private key to a new file only its owner may read; never over an existing file. */
async function writePrivateKey(file: string, pem: string): Promise<void> {
  try {
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
    throw new CliError(
      `Cannot write the private key to '${file}': ${exists ? 'the file exists (choose a new path)' : describeFsError(error)}. The key was generated: deactivate it with \`weft signing-keys:deactivate\` and generate another.`,
    );
  }
}

export function registerSigningKeyCommands(program: Command): void {
  program
    .command('signing-keys:generate')
    .description(
      'Generate an RSA signing key for embedded sign-in; its private key is printed (or written) once',
    )
    .option('--bits <bits>', '4096 (default) or 2048', choice(['2048', '4096'] as const, '2048 or 4096'))
    .option('-o, --out <file>', 'write the private key to this new file (mode 600) instead of printing it')
    .action(
      apiAction(async ({ weft, json }, flags: { bits?: '2048' | '4096'; out?: string }) => {
        const body = { bits: flags.bits === '2048' ? (2048 as const) : (4096 as const) };
        const generated = await answerOf(weft.POST('/api/signing-keys', { body }));
        if (flags.out) await writePrivateKey(flags.out, generated.privateKey);
        if (json) {
          printJson(flags.out ? { key: generated.key, privateKeyFile: flags.out } : generated);
          return;
        }
        const { key } = generated;
        process.stdout.write(
          `Generated signing key ${key.id} (RSA ${key.bits}, fingerprint ${key.fingerprint.slice(0, 16)}…, private key ending ${key.last8 ?? ''}).\n`,
        );
        if (flags.out) process.stdout.write(`Private key written to ${flags.out} (readable by you only).\n`);
        else process.stdout.write(`Private key (shown only this once):\n${generated.privateKey}`);
        process.stderr.write(`${storeWarning}\n`);
      }),
    );

  program
    .command('signing-keys:import')
    .description('Import the public key of your own RSA key pair (PEM, at least 2048 bits)')
    .requiredOption(
      '-p, --path <file>',
      'the public key file (openssl rsa -in private.pem -pubout > key.pub)',
    )
    .action(
      apiAction(async ({ weft, json }, flags: { path: string }) => {
        const publicKey = (await readUserFile(flags.path, 'the public key')).toString('utf8');
        if (/PRIVATE KEY/.test(publicKey)) {
          // Refused here: the private key never leaves this machine.
          throw new CliError(
            `'${flags.path}' holds a private key; nothing was sent. Never upload a private key: import its public half (openssl rsa -in ${flags.path} -pubout > key.pub).`,
            2,
          );
        }
        return printAnswerOf(json, weft.POST('/api/signing-keys/import', { body: { publicKey } }), keyRecord);
      }),
    );

  program
    .command('signing-keys:list')
    .description('List signing keys (deactivated ones too, unless --active)')
    .option('--active', 'only active keys')
    .action(
      apiAction(({ weft, json }, flags: { active?: boolean }) => {
        const query = { includeInactive: flags.active ? false : undefined };
        return printItems(json, weft.GET('/api/signing-keys', { params: { query } }), columns);
      }),
    );

  program
    .command('signing-keys:deactivate <id>')
    .description('Deactivate a signing key: JWTs signed with it are refused from now on')
    .action(
      apiAction(({ weft, json }, id: string) =>
        printAnswerOf(
          json,
          weft.POST('/api/signing-keys/{id}/deactivate', { params: { path: { id } } }),
          (key) => `Deactivated signing key ${key.id} (fingerprint ${key.fingerprint.slice(0, 16)}…)\n`,
        ),
      ),
    );
}
