import { type Static, Type } from '@sinclair/typebox';
import { refTo } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the signing keys API: the public keys that verify embedded sign-in JWTs. A
 * generated key's private half is in the answer of its creation only, and never stored.
 */

export const SigningKey = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    fingerprint: Type.String({
      description: 'SHA-256 of the public key (SubjectPublicKeyInfo DER), 64 hex digits',
    }),
    last8: Type.Union([Type.String(), Type.Null()], {
      description:
        "The last 8 characters of a generated key's private key PEM body, to match the key you hold; null for imported keys",
    }),
    source: Type.Union([Type.Literal('generated'), Type.Literal('imported')]),
    bits: Type.Integer({ description: 'RSA modulus length' }),
    publicKey: Type.String({ description: 'The public key, PEM (SPKI)' }),
    createdAt: Type.String({ format: 'date-time' }),
    deactivatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When it stopped verifying JWTs; null while active',
    }),
  },
  { $id: 'SigningKey' },
);
export type SigningKey = Static<typeof SigningKey>;

export const GeneratedSigningKey = Type.Object(
  {
    key: refTo(SigningKey),
    privateKey: Type.String({
      description:
        'The private key, PKCS#8 PEM: sign embedded sign-in JWTs with it (RS256). Shown only this once; Weft does not store it.',
    }),
  },
  { $id: 'GeneratedSigningKey' },
);
export type GeneratedSigningKey = Static<typeof GeneratedSigningKey>;

export const SigningKeyGenerate = Type.Object(
  {
    bits: Type.Optional(
      Type.Union([Type.Literal(2048), Type.Literal(4096)], {
        description: 'RSA modulus length; 4096 by default',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SigningKeyGenerate = Static<typeof SigningKeyGenerate>;

export const SigningKeyImport = Type.Object(
  {
    publicKey: Type.String({
      minLength: 1,
      maxLength: 16_384,
      description:
        'An RSA public key of at least 2048 bits, PEM (-----BEGIN PUBLIC KEY----- or RSA PUBLIC KEY)',
    }),
  },
  { additionalProperties: false },
);
export type SigningKeyImport = Static<typeof SigningKeyImport>;

export const SigningKeyListQuery = Type.Object(
  {
    includeInactive: Type.Optional(
      Type.Boolean({ default: true, description: 'Also list deactivated keys' }),
    ),
  },
  { additionalProperties: false },
);

export const SigningKeyIdParams = Type.Object({ id: Type.String({ description: 'Signing key id' }) });

export const signingKeyAnswers = {
  key: refTo(SigningKey),
  generated: refTo(GeneratedSigningKey),
  list: Type.Object({ items: Type.Array(refTo(SigningKey)) }),
};
