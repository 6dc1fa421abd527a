// The one piece of this example your own backend copies: it signs a short-lived JWT for the signed-in user with the
// private half of a Weft signing key (RS256). Weft checks the signature with the public half, then signs the user in
// as a customer user of their customer, creating both the first time (see docs/embedded-sign-in.md).
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';

/** How long a token lives: minutes, not hours; the SDK asks for a fresh one (`fetchToken`) before it expires. */
export const TOKEN_LIFETIME_SECONDS = 10 * 60;

/**
 * @typedef {object} TokenUser
 * @property {string} id Your app's id of the user.
 * @property {string} name
 * @property {'admin' | 'user'} role
 * @property {{ externalId: string, name: string }} customer Which of your customers the user belongs to.
 */

/**
 * Makes the signer once, at start-up: a key that is not a PEM RSA private key fails here, not at the first sign-in.
 * @param {{ organizationId: string, privateKeyPem: string, keyId?: string }} options
 * @returns {(user: TokenUser) => Promise<{ token: string, expiresAt: string }>}
 */
export function createWeftTokenSigner({ organizationId, privateKeyPem, keyId }) {
  if (typeof organizationId !== 'string' || organizationId.trim() === '') {
    throw new TypeError('organizationId is required: the id `weft organization:get --json` prints');
  }
  let signingKey;
  try {
    signingKey = createPrivateKey(privateKeyPem);
  } catch {
    // Never put the key (or part of it) in an error: errors end up in logs.
    throw new TypeError('privateKeyPem is not a PEM private key (-----BEGIN PRIVATE KEY-----)');
  }
  if (signingKey.asymmetricKeyType !== 'rsa') {
    throw new TypeError(
      `privateKeyPem is a ${signingKey.asymmetricKeyType} key; Weft signing keys are RSA (RS256)`,
    );
  }

  return async (user) => {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + TOKEN_LIFETIME_SECONDS;
    const token = await new SignJWT({
      external_id: user.id, // the customer user's externalId in Weft (defaults to sub)
      name: user.name,
      organization: organizationId, // your organization on this Weft
      customer: user.customer.externalId, // the customer's externalId in Weft
      customer_name: user.customer.name, // creates the customer on its first user's first sign-in
      role: user.role, // 'admin': activates and configures; 'user': user-level settings only
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) })
      .setSubject(user.id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(signingKey);
    return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
  };
}
