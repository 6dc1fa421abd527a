import { landingPath } from '../connections/oauth-authorization.js';
import { WeftError } from '../errors.js';

/**
 * Where the browser goes after an OAuth 2.0 authorization started from the config wizard or the self-service
 * connections screen. A wizard that redirects (rather than opening a popup) names its own page: it must be on
 * Weft's public origin or an allowed one, so an authorization link can never send a person to a site of an
 * attacker's choosing. Without one, the landing page tells the window that opened the popup, and can be closed.
 */

export interface ReturnOrigins {
  /** What callers reach Weft at (WEFT_PUBLIC_URL, else the request's host). */
  baseUrl: string;
  /** Other origins a wizard may return to (the organization's app embedding the marketplace). */
  allowedOrigins: string[];
}

/** The origins a returnTo (and the landing page's postMessage) may target, Weft's own first. */
export function returnOrigins(origins: ReturnOrigins): string[] {
  const all = [origins.baseUrl, ...origins.allowedOrigins].flatMap((url) => {
    try {
      return [new URL(url).origin];
    } catch {
      return [];
    }
  });
  return [...new Set(all)];
}

/** The checked returnTo, or the landing page when none is given; CONFIG_WIZARD_RETURN_TO_NOT_ALLOWED otherwise. */
export function returnToFor(given: string | undefined, origins: ReturnOrigins): string {
  if (given === undefined) return `${origins.baseUrl.replace(/\/+$/, '')}${landingPath}`;
  const allowed = returnOrigins(origins);
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    !allowed.includes(url.origin)
  ) {
    throw new WeftError(
      'CONFIG_WIZARD_RETURN_TO_NOT_ALLOWED',
      `returnTo '${given.length > 200 ? `${given.slice(0, 200)}…` : given}' is not on an allowed origin (${allowed.join(', ')}): return to a page of Weft or of an allowed origin, or leave returnTo out to land on a page that tells the opening window.`,
      { field: 'returnTo', allowedOrigins: allowed },
    );
  }
  return url.toString();
}
