// Key material is secret by its shape (issue 14): PEM private keys and PuTTY key files are recognized wherever a
// value holds them, so every place that masks secrets masks them, nested in lists and key/value lists too.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { containsPrivateKey, privateKeyFragments, privateKeyFragmentsIn } from '../src/index.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 1024,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

describe('key material', () => {
  it('is recognized by shape: private keys yes, public keys and ordinary text no', () => {
    expect(containsPrivateKey(privateKey)).toBe(true);
    expect(containsPrivateKey(`note\n${privateKey}`)).toBe(true);
    expect(containsPrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n')).toBe(true);
    expect(containsPrivateKey(publicKey)).toBe(false);
    expect(containsPrivateKey('a private key is a secret')).toBe(false);
  });

  it('gives fragments that cover the key whole, as JSON spells it, and line by line', () => {
    const fragments = privateKeyFragments(privateKey);
    expect(fragments).toContain(privateKey);
    expect(fragments).toContain(JSON.stringify(privateKey).slice(1, -1));
    const bodyLine = privateKey.split('\n')[1] as string;
    expect(fragments).toContain(bodyLine);
  });

  it('finds keys nested in value lists, key/value lists and objects', () => {
    const values = {
      Plain: 'nothing secret',
      Keys: [{ key: 'deploy', value: privateKey }],
      Nested: { list: ['x', { deeper: privateKey }] },
    };
    const fragments = privateKeyFragmentsIn(values);
    expect(fragments).toContain(privateKey);
    expect(fragments).not.toContain('nothing secret');
    expect(privateKeyFragmentsIn({ Plain: 'text', Count: 3 })).toEqual([]);
  });
});
