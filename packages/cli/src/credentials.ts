/**
 * What `weft login` leaves behind: the server's URL and an API token of the signed-in user, in
 * `${XDG_CONFIG_HOME:-~/.config}/weft/credentials.json` (mode 600, in a directory of mode 700). API commands use it
 * when neither --token nor WEFT_TOKEN is given, and only for the server it was made for; `weft logout` revokes the
 * token and deletes the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StoredCredentials {
  url: string;
  token: string;
  /** The token's id, for `weft logout` to revoke it. */
  tokenId: string;
  email: string;
  organizationId: string;
  createdAt: string;
}

export function credentialsFile(): string {
  const configHome = process.env.XDG_CONFIG_HOME?.trim() || path.join(os.homedir(), '.config');
  return path.join(configHome, 'weft', 'credentials.json');
}

/** The stored credentials, or undefined when there are none (or the file is not ours to read). */
export function readCredentials(): StoredCredentials | undefined {
  let text: string;
  try {
    text = fs.readFileSync(credentialsFile(), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<StoredCredentials>;
    if (typeof value.url === 'string' && typeof value.token === 'string') return value as StoredCredentials;
  } catch {
    // a file we did not write: ignored
  }
  return undefined;
}

/**
 * Writes the credentials readable by this user only: the directory is made (or made again) mode 700, and the file is
 * created new with mode 600, never wider, then renamed into place. Creating it new ('wx') never writes through a
 * file or link that was already there.
 */
export function writeCredentials(credentials: StoredCredentials): string {
  const file = credentialsFile();
  const directory = path.dirname(file);
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  // mkdir leaves a directory that already existed as it was.
  fs.chmodSync(directory, 0o700);
  const temporary = `${file}.${process.pid}.tmp`;
  const text = `${JSON.stringify(credentials, null, 2)}\n`;
  try {
    fs.writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Left by an earlier run of this process id that stopped half-way: removed (a link itself, not what it names).
    fs.unlinkSync(temporary);
    fs.writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  }
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
  return file;
}

export function deleteCredentials(): boolean {
  try {
    fs.unlinkSync(credentialsFile());
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** URLs compared as the server they name: `http://127.0.0.1:3000/` and `http://127.0.0.1:3000` are one. */
export function sameServer(a: string, b: string): boolean {
  const normalize = (url: string) => {
    try {
      return new URL(url).href.replace(/\/+$/, '');
    } catch {
      return url.replace(/\/+$/, '');
    }
  };
  return normalize(a) === normalize(b);
}
