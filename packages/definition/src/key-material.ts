/**
 * Private key material, recognized by its shape whatever input holds it (a connection input of type `text`, a
 * config variable): a PEM block of a private key (`-----BEGIN PRIVATE KEY-----`, `RSA`/`EC`/`DSA`/`ENCRYPTED`/
 * `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`) or a PuTTY private key file. Such a value is a secret like a
 * password: masked in API answers, redacted from what executions record, left out of exports.
 */
const privateKeyBegin = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;
const puttyKey = /^PuTTY-User-Key-File-\d+:/m;
/** A whole PEM private key block (its armor lines and body), for finding it inside a longer text. */
const privateKeyBlock =
  /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$(?![\s\S]))/g;

export function containsPrivateKey(value: unknown): value is string {
  return typeof value === 'string' && (privateKeyBegin.test(value) || puttyKey.test(value));
}

/**
 * The strings to mask for a value holding key material: the value, each key block in it, its body with and without
 * line breaks, each body line long enough to mean something (a log line may quote part of a key), and the value
 * as JSON spells it (with `\n`), which is how a logged object shows it.
 */
export function privateKeyFragments(value: string): string[] {
  const fragments = new Set<string>([value, JSON.stringify(value).slice(1, -1)]);
  for (const match of value.matchAll(privateKeyBlock)) {
    const block = match[0];
    fragments.add(block);
    fragments.add(JSON.stringify(block).slice(1, -1));
    const body = block
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('-----') && !line.includes(':'));
    if (body.length > 0) fragments.add(body.join(''));
    for (const line of body) if (line.length >= 16) fragments.add(line);
  }
  if (puttyKey.test(value)) {
    for (const line of value.split(/\r?\n/)) {
      const text = line.trim();
      if (text.length >= 16 && !text.includes(':')) fragments.add(text);
    }
  }
  return [...fragments];
}

/**
 * The fragments to mask for every piece of key material a config value holds, however nested: a string, a value
 * list, a key/value list (`[{key, value}]`), an object.
 */
export function privateKeyFragmentsIn(value: unknown, depth = 0): string[] {
  if (containsPrivateKey(value)) return privateKeyFragments(value);
  if (value === null || typeof value !== 'object' || depth > 32) return [];
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.flatMap((item) => privateKeyFragmentsIn(item, depth + 1));
}
