import type { Egress } from '@weft/egress';
import { weftVersion } from '../version.js';

/** One POST of a batch of rendered log lines to a stream's endpoint, as the shipper and the test route send it. */

export const requestTimeoutMs = 10_000;

export interface BatchOutcome {
  delivered: boolean;
  statusCode: number | null;
  error: string | null;
}

export async function postBatch(
  egress: Egress,
  target: { url: string; headers: Record<string, string> },
  json: boolean,
  body: string,
): Promise<BatchOutcome> {
  const headers: Record<string, string> = {
    'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
    'user-agent': `Weft/${weftVersion}`,
  };
  // The stream's own headers win (a Content-Type its service wants), whatever their case.
  for (const [name, value] of Object.entries(target.headers)) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    headers[name] = value;
  }
  let response: Response;
  try {
    response = await egress.fetch(target.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
  } catch (error) {
    return { delivered: false, statusCode: null, error: describeFailure(error, target.url) };
  }
  // The answer is read (and dropped) so the connection goes back to the pool.
  const answer = await response.text().catch(() => '');
  if (response.status >= 200 && response.status < 300) {
    return { delivered: true, statusCode: response.status, error: null };
  }
  const where = response.status >= 300 && response.status < 400 ? ` (redirects are not followed)` : '';
  return {
    delivered: false,
    statusCode: response.status,
    error: `${target.url} answered ${response.status}${where}${answer ? `: ${answer.slice(0, 300)}` : ''}`,
  };
}

function describeFailure(error: unknown, url: string): string {
  const failure = error as Error & { cause?: unknown };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') {
    return `${url} did not answer within ${requestTimeoutMs / 1000} s`;
  }
  if ((failure as { code?: unknown }).code === 'EGRESS_ADDRESS_REFUSED') return failure.message;
  const cause = failure.cause instanceof Error ? failure.cause.message : undefined;
  return `${url} could not be reached: ${cause ?? failure.message}`;
}
