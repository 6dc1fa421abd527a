/**
 * A fake Acme Chat for the tests: a real HTTP server on 127.0.0.1 (a free port) with the API under `/api` (it
 * checks the bearer token), webhook subscriptions, and the sending side of webhooks: it can check a URL with a
 * signed challenge when it is registered, and deliver signed events to the registered URLs.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Channel, type Message, type Subscription, sign, signatureHeader } from '../src/index.js';

export const goodToken = 'test-access-token';

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeAcmeChatOptions {
  channels?: Channel[];
  /** The app's signing secret: Acme Chat signs what it sends to webhook URLs with it. */
  signingSecret: string;
  /** Check each URL registered with a signed `url_verification` challenge, which it must answer (as Slack does). */
  verifyUrls?: boolean;
}

export interface Delivery {
  url: string;
  status: number;
  body: string;
}

export interface FakeAcmeChat {
  /** What the connection's `apiUrl` field holds: `http://127.0.0.1:PORT/api`. */
  apiUrl: string;
  requests: RecordedRequest[];
  subscriptions: Subscription[];
  messages: Message[];
  /** Posts an event, signed, to every URL subscribed to its type; returns each answer. */
  deliver(event: Record<string, unknown>): Promise<Delivery[]>;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body?: unknown) {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function startFakeAcmeChat(options: FakeAcmeChatOptions): Promise<FakeAcmeChat> {
  const channels = options.channels ?? [];
  const requests: RecordedRequest[] = [];
  const subscriptions: Subscription[] = [];
  const messages: Message[] = [];
  let nextId = 1;

  /** How Acme Chat posts to a webhook URL: JSON, signed with the app's signing secret. */
  async function post(url: string, event: unknown): Promise<Delivery> {
    const body = JSON.stringify(event);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [signatureHeader]: sign(options.signingSecret, body) },
      body,
    });
    return { url, status: response.status, body: await response.text() };
  }

  async function urlAnswersChallenge(url: string): Promise<boolean> {
    const challenge = randomUUID();
    const answer = await post(url, { type: 'url_verification', challenge }).catch(() => undefined);
    if (answer?.status !== 200) return false;
    try {
      return (JSON.parse(answer.body) as { challenge?: unknown }).challenge === challenge;
    } catch {
      return false;
    }
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readJson(request);
    const authorization = request.headers.authorization;
    requests.push({ method: request.method ?? '', url: `${url.pathname}${url.search}`, authorization, body });
    if (authorization !== `Bearer ${goodToken}`) return send(response, 401, { error: 'invalid_token' });

    const route = `${request.method} ${url.pathname}`;
    if (route === 'POST /api/messages') {
      const { channel, text, threadId } = body as { channel: string; text: string; threadId?: string };
      if (!channels.some((each) => each.id === channel))
        return send(response, 404, { error: 'channel_not_found' });
      const message: Message = { id: `M${nextId++}`, channel, text, ...(threadId ? { threadId } : {}) };
      messages.push(message);
      return send(response, 201, message);
    }
    if (route === 'GET /api/channels') {
      const archived = url.searchParams.get('include_archived') === 'true';
      return send(response, 200, { channels: channels.filter((channel) => archived || !channel.archived) });
    }
    if (route === 'GET /api/webhooks') return send(response, 200, { webhooks: subscriptions });
    if (route === 'POST /api/webhooks') {
      const { url: target, events } = body as { url: string; events: string[] };
      if (options.verifyUrls && !(await urlAnswersChallenge(target))) {
        return send(response, 400, { error: `url_verification_failed for ${target}` });
      }
      const subscription = { id: `W${nextId++}`, url: target, events };
      subscriptions.push(subscription);
      return send(response, 201, subscription);
    }
    const webhook = /^(PATCH|DELETE) \/api\/webhooks\/([^/]+)$/.exec(route);
    if (webhook) {
      const index = subscriptions.findIndex((each) => each.id === decodeURIComponent(webhook[2] ?? ''));
      const subscription = subscriptions[index];
      if (!subscription) return send(response, 404, { error: 'webhook_not_found' });
      if (webhook[1] === 'DELETE') {
        subscriptions.splice(index, 1);
        return send(response, 204);
      }
      subscription.events = (body as { events: string[] }).events;
      return send(response, 200, subscription);
    }
    send(response, 404, { error: `no route ${route}` });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    requests,
    subscriptions,
    messages,
    deliver: (event) =>
      Promise.all(
        subscriptions
          .filter((subscription) => subscription.events.includes(String(event.type)))
          .map((subscription) => post(subscription.url, event)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
