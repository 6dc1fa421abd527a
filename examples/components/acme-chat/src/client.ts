import { type Connection, ConnectionError } from '@weft/sdk';

export interface Channel {
  id: string;
  name: string;
  archived?: boolean;
}

export interface Message {
  id: string;
  channel: string;
  text: string;
  threadId?: string;
}

/** A webhook subscription at Acme Chat: where Acme Chat sends which events. */
export interface Subscription {
  id: string;
  url: string;
  events: string[];
}

/** An answer of Acme Chat outside 2xx, with its status (so that callers can treat a 404 as "already gone"). */
export class AcmeChatError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'AcmeChatError';
    this.status = status;
  }
}

const requestTimeoutMs = 30_000;

/** Acme Chat answers errors as `{"error": "channel_not_found"}`. */
async function errorDetail(response: Response): Promise<string> {
  const text = (await response.text()).trim();
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // not JSON: use the text
  }
  return text.slice(0, 200) || response.statusText;
}

/**
 * A small client of the Acme Chat API, authenticated with the connection's OAuth 2.0 access token
 * (`Authorization: Bearer <token.access_token>`); the API URL is the connection's `apiUrl` template input.
 */
export function createAcmeChatClient(connection: Connection) {
  const apiUrl = String(connection.fields.apiUrl ?? '').replace(/\/+$/, '');
  const accessToken = connection.token?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new ConnectionError(connection, 'The Acme Chat connection has no access token: authorize it first');
  }
  if (!/^https?:\/\//.test(apiUrl)) {
    throw new ConnectionError(connection, `The Acme Chat connection's API URL '${apiUrl}' is not a URL`);
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path.split('?')[0]}`;
    let response: Response;
    try {
      response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      throw new Error(`Acme Chat could not be reached (${what}): ${(error as Error).message}`);
    }
    // Weft refreshes the token and runs the step once more when a step fails with 401; if the refreshed token is
    // refused too, this marks the connection as failing so that the deployer re-authorizes it.
    if (response.status === 401) {
      throw new ConnectionError(
        connection,
        `Acme Chat rejected the access token (401 to ${what}); authorize the connection again`,
      );
    }
    if (!response.ok) {
      throw new AcmeChatError(
        response.status,
        `Acme Chat answered ${response.status} to ${what}: ${await errorDetail(response)}`,
      );
    }
    const text = await response.text();
    try {
      return (text === '' ? undefined : JSON.parse(text)) as T;
    } catch {
      throw new Error(`Acme Chat answered ${what} with something that is not JSON: ${text.slice(0, 100)}`);
    }
  }

  return {
    postMessage: (message: { channel: string; text: string; threadId?: string }) =>
      request<Message>('POST', '/messages', message),
    listChannels: async (includeArchived: boolean) =>
      (await request<{ channels: Channel[] }>('GET', `/channels?include_archived=${includeArchived}`))
        .channels,
    listSubscriptions: async () => (await request<{ webhooks: Subscription[] }>('GET', '/webhooks')).webhooks,
    createSubscription: (subscription: { url: string; events: string[] }) =>
      request<Subscription>('POST', '/webhooks', subscription),
    updateSubscription: (id: string, events: string[]) =>
      request<Subscription>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { events }),
    deleteSubscription: (id: string) => request<void>('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  };
}
