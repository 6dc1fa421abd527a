// Northwind Books' web server: its own sign-in and session, the page that embeds Weft, and the one backend route
// Weft needs from it: POST /api/weft-token, which signs a short-lived JWT for the signed-in user (weft-token.js).
// Plain node:http, so every step is in view; a real app does the same in its own framework.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { appPage, COMPANY, loginPage, messagePage } from './pages.js';
import { DEMO_PASSWORD, userByEmail, userById } from './users.js';
import { createWeftTokenSigner } from './weft-token.js';

/** The script-tag build of @weft/embed in this repository (`npm run build` makes it). */
const defaultEmbedScript = new URL('../../../packages/embed/dist/weft-embed.min.js', import.meta.url);

const SESSION_COOKIE = 'northwind_session';
const SESSION_LIFETIME_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;
const MAX_FORM_BYTES = 4 * 1024;
const MAX_FIELD_LENGTH = 200;

class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * @typedef {object} EmbeddedHostOptions
 * @property {string} weftUrl Where Weft answers (its origin is the only one the page may frame).
 * @property {string} organizationId The JWT's `organization` claim.
 * @property {string} privateKeyPem The private half of a Weft signing key; stays in this process.
 * @property {string} [keyId] The signing key's id: the JWT's `kid` header.
 * @property {number} [port] 3400 by default; 0 picks a free port.
 * @property {string} [host] 127.0.0.1 by default.
 * @property {string | URL} [embedScriptPath] The @weft/embed script-tag build to serve (this repository's by default).
 */

/**
 * Starts Northwind Books.
 * @param {EmbeddedHostOptions} options
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startEmbeddedHost({
  weftUrl,
  organizationId,
  privateKeyPem,
  keyId,
  port = 3400,
  host = '127.0.0.1',
  embedScriptPath = defaultEmbedScript,
}) {
  const weftOrigin = originOf(weftUrl);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`port must be a whole number from 0 to 65535 (got ${port})`);
  }
  const signToken = createWeftTokenSigner({ organizationId, privateKeyPem, keyId });
  /** @type {Map<string, { userId: string, expiresAt: number }>} */
  const sessions = new Map();
  const anyHost = host === '0.0.0.0' || host === '::';
  /** Filled in once listening (the port may have been 0). */
  let ownOrigin = '';

  /**
   * @param {import('node:http').IncomingMessage} request
   * @param {import('node:http').ServerResponse} response
   */
  async function handle(request, response) {
    const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
    // Serve one origin: the one Weft allows to frame its pages (a browser on localhost:3400 is sent there).
    const origin = anyHost ? `http://${request.headers.host ?? new URL(ownOrigin).host}` : ownOrigin;
    if (!anyHost && request.headers.host !== new URL(ownOrigin).host) {
      if (method === 'GET')
        return redirect(response, `${ownOrigin}${request.url?.startsWith('/') ? request.url : '/'}`);
      throw new HttpError(421, `Use ${ownOrigin}`);
    }
    let path;
    try {
      path = new URL(request.url ?? '/', origin).pathname;
    } catch {
      throw new HttpError(400, 'The request URL is malformed.');
    }
    const session = sessionOf(request);

    switch (`${method} ${path}`) {
      case 'GET /':
        return redirect(response, session ? '/app' : '/login');
      case 'GET /login':
        return session ? redirect(response, '/app') : sendLogin(response, 200, {});
      case 'POST /login':
        checkSameOrigin(request, origin);
        return login(request, response, session);
      case 'POST /logout':
        checkSameOrigin(request, origin);
        if (session) sessions.delete(session.id);
        response.setHeader('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
        return redirect(response, '/login');
      case 'GET /app':
        if (!session) return redirect(response, '/login');
        return sendApp(response, session.user);
      case 'POST /api/weft-token':
        return weftToken(request, response, session, origin);
      case 'GET /weft-embed.min.js':
        return sendEmbedScript(response);
      case 'GET /favicon.svg':
      case 'GET /favicon.ico':
        return send(
          response,
          200,
          { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'max-age=86400' },
          favicon,
        );
    }
    const known = ['/', '/login', '/logout', '/app', '/api/weft-token', '/weft-embed.min.js'];
    if (known.includes(path)) throw new HttpError(405, `${request.method} is not allowed on ${path}.`);
    throw new HttpError(404, `There is no page ${path} here.`);
  }

  /**
   * The signed-in user of this request, from the session cookie.
   * @param {import('node:http').IncomingMessage} request
   */
  function sessionOf(request) {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!id) return undefined;
    const session = sessions.get(id);
    if (!session) return undefined;
    const user = userById(session.userId);
    if (session.expiresAt < Date.now() || !user) {
      sessions.delete(id);
      return undefined;
    }
    return { id, user };
  }

  /**
   * POST /login: a form of email and password.
   * @param {import('node:http').IncomingMessage} request
   * @param {import('node:http').ServerResponse} response
   * @param {{ id: string } | undefined} current
   */
  async function login(request, response, current) {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      await readBody(request, MAX_FORM_BYTES);
      return sendLogin(response, 400, {
        error: 'The sign-in form was malformed: send it from the sign-in page.',
      });
    }
    const form = new URLSearchParams((await readBody(request, MAX_FORM_BYTES)).toString('utf8'));
    const emails = form.getAll('email');
    const passwords = form.getAll('password');
    if (emails.length > 1 || passwords.length > 1) {
      return sendLogin(response, 400, {
        error: 'The sign-in form was malformed: send it from the sign-in page.',
      });
    }
    const email = (emails[0] ?? '').trim();
    const password = passwords[0] ?? '';
    const shownEmail = email.slice(0, MAX_FIELD_LENGTH);
    // A person's mistakes re-show the form with 200 (a 4xx page would be a console error in the browser); 400 is
    // for bodies the form cannot have sent.
    if (email === '' || password === '') {
      return sendLogin(response, 200, { error: 'Enter your email and your password.', email: shownEmail });
    }
    if (email.length > MAX_FIELD_LENGTH || password.length > MAX_FIELD_LENGTH) {
      return sendLogin(response, 200, { error: 'That email or password is too long.', email: shownEmail });
    }
    const user = userByEmail(email);
    // Compare digests in constant time, and whether or not the user exists.
    const passwordMatches = timingSafeEqual(sha256(password), sha256(DEMO_PASSWORD));
    if (!user || !passwordMatches) {
      return sendLogin(response, 200, { error: 'Wrong email or password.', email: shownEmail });
    }
    if (current) sessions.delete(current.id);
    const id = createSession(user.id);
    response.setHeader('Set-Cookie', `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return redirect(response, '/app');
  }

  /** @param {string} userId */
  function createSession(userId) {
    const now = Date.now();
    for (const [id, session] of sessions) if (session.expiresAt < now) sessions.delete(id);
    // Oldest first (a Map keeps insertion order): bound the memory many sign-ins could take.
    for (const oldest of sessions.keys()) {
      if (sessions.size < MAX_SESSIONS) break;
      sessions.delete(oldest);
    }
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, { userId, expiresAt: now + SESSION_LIFETIME_MS });
    return id;
  }

  /**
   * POST /api/weft-token: a JWT for the signed-in user, to the page's own script only.
   * @param {import('node:http').IncomingMessage} request
   * @param {import('node:http').ServerResponse} response
   * @param {{ user: import('./users.js').DemoUser } | undefined} session
   * @param {string} origin
   */
  async function weftToken(request, response, session, origin) {
    // A cross-site page cannot send this header without a CORS preflight, which this server never grants.
    if (request.headers['x-requested-with'] !== 'fetch') {
      return sendJson(response, 403, {
        error: { code: 'CSRF_HEADER_MISSING', message: 'Send X-Requested-With: fetch from the page.' },
      });
    }
    const fetchSite = request.headers['sec-fetch-site'];
    const requestOrigin = request.headers.origin;
    if (
      (requestOrigin !== undefined && requestOrigin !== origin) ||
      (fetchSite && fetchSite !== 'same-origin')
    ) {
      return sendJson(response, 403, {
        error: { code: 'CROSS_ORIGIN', message: 'Only the pages of this app may ask for a Weft token.' },
      });
    }
    const body = await readBody(request, MAX_FORM_BYTES);
    if (body.length > 0) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        return sendJson(response, 400, {
          error: { code: 'BODY_MALFORMED', message: 'The body must be empty or JSON.' },
        });
      }
    }
    if (!session) {
      return sendJson(response, 401, {
        error: { code: 'SIGNED_OUT', message: 'Sign in to Northwind Books first.' },
      });
    }
    return sendJson(response, 200, await signToken(session.user));
  }

  /** @param {import('node:http').ServerResponse} response */
  async function sendEmbedScript(response) {
    let script;
    try {
      script = await readFile(embedScriptPath);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ENOENT') throw error;
      return send(
        response,
        503,
        { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
        'The @weft/embed script-tag build (packages/embed/dist/weft-embed.min.js) is missing: run npm run build.\n',
      );
    }
    return send(
      response,
      200,
      { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' },
      script,
    );
  }

  /**
   * @param {import('node:http').ServerResponse} response
   * @param {import('./users.js').DemoUser} user
   */
  function sendApp(response, user) {
    const nonce = randomBytes(18).toString('base64');
    const csp = [
      "default-src 'self'",
      `frame-src ${weftOrigin}`,
      `script-src 'self' 'nonce-${nonce}'`,
      "style-src 'self' 'unsafe-inline'",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
    return sendHtml(response, 200, appPage({ nonce, weftUrl, user }), csp);
  }

  /**
   * @param {import('node:http').ServerResponse} response
   * @param {number} status
   * @param {{ error?: string, email?: string }} options
   */
  function sendLogin(response, status, options) {
    return sendHtml(response, status, loginPage(options));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      request.resume();
      const status = error instanceof HttpError ? error.status : 500;
      // Log what failed, never a request's body, cookie or token.
      if (status === 500) console.error(`${COMPANY}: ${request.method} ${request.url} failed:`, error);
      if (response.headersSent) return response.destroy();
      const message = status === 500 ? 'Something went wrong on our side.' : error.message;
      if (request.url?.startsWith('/api/')) {
        return sendJson(response, status, { error: { code: `HTTP_${status}`, message } });
      }
      const title = { 400: 'Bad request', 404: 'Not found', 405: 'Not allowed', 413: 'Too large' }[status];
      return sendHtml(response, status, messagePage(title ?? 'Error', message));
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const urlHost = anyHost ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  ownOrigin = `http://${urlHost}:${address.port}`;

  return {
    url: ownOrigin,
    close: () =>
      new Promise((resolve) => {
        sessions.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The origin of Weft's URL, checked.
 * @param {unknown} weftUrl
 */
function originOf(weftUrl) {
  let url;
  try {
    url = new URL(String(weftUrl));
  } catch {
    throw new TypeError(`weftUrl is not a URL (got ${JSON.stringify(weftUrl)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`weftUrl must be an http(s) URL (got ${url.protocol})`);
  }
  return url.origin;
}

/**
 * Forms and token requests come from this app's own pages: a browser says where a request comes from in Origin
 * (and Sec-Fetch-Site); a cross-site one is refused. (The session cookie is SameSite=Lax too.)
 * @param {import('node:http').IncomingMessage} request
 * @param {string} origin
 */
function checkSameOrigin(request, origin) {
  const requestOrigin = request.headers.origin;
  const fetchSite = request.headers['sec-fetch-site'];
  if ((requestOrigin !== undefined && requestOrigin !== origin) || fetchSite === 'cross-site') {
    throw new HttpError(403, 'This form may only be sent from Northwind Books itself.');
  }
}

/**
 * @param {string | undefined} header
 * @param {string} name
 */
function cookieValue(header, name) {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * The request's body, at most `limit` bytes (413 beyond).
 * @param {import('node:http').IncomingMessage} request
 * @param {number} limit
 * @returns {Promise<Buffer>}
 */
function readBody(request, limit) {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new HttpError(413, 'The request body is too large.'));
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        reject(new HttpError(413, 'The request body is too large.'));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
    request.on('aborted', () => reject(new HttpError(400, 'The request was aborted.')));
  });
}

/** @param {string} text */
function sha256(text) {
  return createHash('sha256').update(text, 'utf8').digest();
}

const baseHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
};

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {Record<string, string>} headers
 * @param {string | Buffer} [body]
 */
function send(response, status, headers, body) {
  response.writeHead(status, { ...baseHeaders, ...headers });
  response.end(body);
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {string} html
 * @param {string} [csp]
 */
function sendHtml(response, status, html, csp) {
  send(
    response,
    status,
    {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        csp ??
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    },
    html,
  );
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(response, status, body) {
  send(
    response,
    status,
    { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    JSON.stringify(body),
  );
}

/**
 * A 303: after a form, the browser GETs the next page.
 * @param {import('node:http').ServerResponse} response
 * @param {string} location
 */
function redirect(response, location) {
  send(response, 303, { Location: location, 'Cache-Control': 'no-store' });
}

const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f766e"/><text x="16" y="22" font-family="system-ui,sans-serif" font-size="18" font-weight="700" fill="#fff" text-anchor="middle">N</text></svg>`;
