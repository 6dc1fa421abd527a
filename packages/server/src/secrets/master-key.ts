import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { WeftError } from '../errors.js';

/**
 * The master key wraps the data keys (see `keyring.ts`). It comes from `WEFT_ENCRYPTION_KEY` (32 bytes, base64 or
 * hex); keys it replaced stay readable through `WEFT_ENCRYPTION_PREVIOUS_KEYS` until `weft keys:rotate` rewrapped
 * everything. Without either, Weft keeps a generated key in `<dataDir>/encryption.key` (mode 0600), so the
 * two-command start works, and says loudly to back it up: losing it loses every stored credential.
 */

export interface MasterKey {
  /** `mk_` and 16 hex digits of a hash of the key: names it in envelopes and errors without revealing it. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  current: MasterKey;
  /** Keys the current one replaced: they still unwrap data keys until a rotation rewraps them. */
  previous: MasterKey[];
  /** Where the current key came from. */
  source: 'environment' | 'file';
  /** The key file, when the key lives in one. */
  file?: string;
}

export const keyFileName = 'encryption.key';

export function masterKeyId(key: Buffer): string {
  return `mk_${crypto.createHash('sha256').update('weft master key id\0').update(key).digest('hex').slice(0, 16)}`;
}

/** 32 bytes as base64 (44 characters, or 43 without padding) or hex (64 characters); undefined for anything else. */
export function parseKeyText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

/** A new random key, as the text `WEFT_ENCRYPTION_KEY` takes. */
export function generateKeyText(): string {
  return crypto.randomBytes(32).toString('base64');
}

const keyFormatHint = 'a 32-byte key as base64 or 64 hex digits; generate one with `openssl rand -base64 32`';

/** Parses the settings; every problem is named (never the key itself). */
export function parseMasterKeySettings(env: NodeJS.ProcessEnv): {
  current: Buffer | undefined;
  previous: Buffer[];
  problems: string[];
} {
  const problems: string[] = [];
  const currentText = env.WEFT_ENCRYPTION_KEY?.trim();
  let current: Buffer | undefined;
  if (currentText) {
    current = parseKeyText(currentText);
    if (!current) problems.push(`WEFT_ENCRYPTION_KEY: not ${keyFormatHint}.`);
  }
  const previous: Buffer[] = [];
  const previousText = env.WEFT_ENCRYPTION_PREVIOUS_KEYS?.trim();
  if (previousText) {
    for (const [index, part] of previousText.split(',').entries()) {
      if (part.trim() === '') continue;
      const key = parseKeyText(part);
      if (key) previous.push(key);
      else problems.push(`WEFT_ENCRYPTION_PREVIOUS_KEYS: entry ${index + 1} is not ${keyFormatHint}.`);
    }
    if (!current)
      problems.push('WEFT_ENCRYPTION_PREVIOUS_KEYS is set without WEFT_ENCRYPTION_KEY: set the new key too.');
  }
  return { current, previous, problems };
}

/** The master keys from the configuration, or from the data directory's key file (created on first start). */
export async function loadMasterKeys(
  settings: { encryptionKey: Buffer | undefined; previousEncryptionKeys: Buffer[]; dataDir: string },
  log: Logger,
  /** False when the database already holds encrypted data: a missing key file is then lost, not new. */
  options: { mayCreate: boolean },
): Promise<MasterKeys> {
  const previous = settings.previousEncryptionKeys.map((key) => ({ id: masterKeyId(key), key }));
  if (settings.encryptionKey) {
    return {
      current: { id: masterKeyId(settings.encryptionKey), key: settings.encryptionKey },
      previous,
      source: 'environment',
    };
  }
  const file = path.join(settings.dataDir, keyFileName);
  let key = await readKeyFile(file, log);
  if (!key) {
    if (!options.mayCreate) {
      throw new WeftError(
        'ENCRYPTION_KEY_MISMATCH',
        `This database holds encrypted credentials, but WEFT_ENCRYPTION_KEY is not set and the key file ${file} does not exist. Set WEFT_ENCRYPTION_KEY to the key this database was set up with, or restore the key file from your backup; nothing was changed.`,
        { file },
      );
    }
    key = await createKeyFile(file, log);
  }
  return { current: { id: masterKeyId(key), key }, previous, source: 'file', file };
}

async function readKeyFile(file: string, log: Logger): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WeftError(
      'ENCRYPTION_KEY_INVALID',
      `Cannot read the encryption key file ${file}: ${(error as Error).message}`,
      { file },
    );
  }
  const key = parseKeyText(text);
  if (!key) {
    throw new WeftError(
      'ENCRYPTION_KEY_INVALID',
      `The encryption key file ${file} does not hold ${keyFormatHint}. Restore it from your backup; it is never regenerated over existing data.`,
      { file },
    );
  }
  const { mode } = await fs.stat(file);
  if ((mode & 0o077) !== 0) {
    log.warn(
      { file, mode: (mode & 0o777).toString(8) },
      'the encryption key file is readable by other users; run chmod 600 on it',
    );
  }
  return key;
}

async function createKeyFile(file: string, log: Logger): Promise<Buffer> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const text = generateKeyText();
  try {
    // 'wx': never overwrite a key another process created meanwhile.
    await fs.writeFile(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const existing = await readKeyFile(file, log);
      if (existing) return existing;
    }
    throw error;
  }
  log.warn(
    { file },
    'generated the encryption key that protects every stored credential; BACK IT UP: without it they cannot be decrypted. Set WEFT_ENCRYPTION_KEY to manage the key yourself.',
  );
  return Buffer.from(text, 'base64');
}
