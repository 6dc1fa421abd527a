import { containsPrivateKey, privateKeyFragments } from '@weft/definition';

/**
 * Masks secret values (connection fields, tokens) wherever an execution writes what it saw: log lines, step
 * results, errors, the flow's response. Steps still see the real values; only what leaves the run is masked.
 */
export const redactedMark = '[REDACTED]';

/** Secrets shorter than this are not masked: they would mask ordinary text ("1", "true"). */
const minimumSecretLength = 4;

export class Redactor {
  private secrets: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    this.add(secrets);
  }

  add(secrets: Iterable<string>): void {
    const all = new Set(this.secrets);
    for (const secret of secrets)
      if (typeof secret === 'string' && secret.length >= minimumSecretLength) all.add(secret);
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  text(value: string): string {
    if (this.secrets.length === 0) return value;
    let result = value;
    for (const secret of this.secrets)
      if (result.includes(secret)) result = result.split(secret).join(redactedMark);
    return result;
  }

  /** A copy of a JSON-like value with every secret masked in its strings and keys; the value itself when none. */
  value<T>(value: T): T {
    if (this.secrets.length === 0) return value;
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object' || depth > 64) return value;
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    if (value instanceof Date) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[this.text(key)] = this.walk(item, depth + 1);
    return copy;
  }
}

/**
 * The secret strings of a connection value as steps receive it: its token, the fields the caller names (its
 * `password` inputs), and any field that holds private key material, whatever its input type (a PEM key in a
 * `text` input), with the forms of it a log line may show.
 */
export function connectionSecrets(connection: unknown, secretFields: Iterable<string> = []): string[] {
  if (typeof connection !== 'object' || connection === null) return [];
  const { fields, token } = connection as {
    fields?: Record<string, unknown>;
    token?: Record<string, unknown>;
  };
  const secrets: string[] = [];
  for (const name of secretFields) {
    const value = fields?.[name];
    if (typeof value === 'string') secrets.push(value);
  }
  for (const value of Object.values(fields ?? {}))
    if (containsPrivateKey(value)) secrets.push(...privateKeyFragments(value));
  for (const name of ['access_token', 'refresh_token', 'id_token']) {
    const value = token?.[name];
    if (typeof value === 'string') secrets.push(value);
  }
  // Basic authentication sends the password inside base64(username:password): mask that form too.
  const username = fields?.username ?? fields?.user;
  const password = fields?.password;
  if (typeof username === 'string' && typeof password === 'string' && password !== '') {
    secrets.push(Buffer.from(`${username}:${password}`).toString('base64'));
  }
  return secrets;
}
