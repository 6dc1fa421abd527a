/**
 * Webhook requests for the tests, and a stand-in for Weft's webhook endpoint: an HTTP server on 127.0.0.1 that
 * turns each request into what a trigger receives (lower-case headers, `rawBody.data` the body as received,
 * `body.data` the parsed JSON), runs the trigger, and answers with the trigger's response.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultTriggerPayload, type TriggerPayload, type TriggerResult } from '@weft/sdk';

/** A JSON webhook request (`raw`, the body as sent) as a trigger receives it, over `defaultTriggerPayload()`. */
export function webhookPayload(raw: string, headers: Record<string, string> = {}): TriggerPayload {
  const contentType = 'application/json';
  let data: unknown = raw;
  try {
    data = JSON.parse(raw);
  } catch {
    // not JSON: the text
  }
  return {
    ...defaultTriggerPayload(),
    headers: { 'content-type': contentType, ...headers },
    rawBody: { data: raw, contentType },
    body: { data, contentType },
  };
}

export interface WebhookReceiver {
  url: string;
  /** What the trigger passed on to the flow, for each request it accepted. */
  received: TriggerPayload[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  runTrigger: (payload: TriggerPayload) => Promise<TriggerResult>,
): Promise<WebhookReceiver> {
  const received: TriggerPayload[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const result = await runTrigger(webhookPayload(Buffer.concat(chunks).toString('utf8'), headers));
      if (result) received.push(result.payload);
      const answer = result?.response;
      if (answer) {
        response.writeHead(answer.statusCode, { 'content-type': answer.contentType, ...answer.headers });
        response.end(answer.body ?? '');
      } else {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ executionId: 'test-execution' }));
      }
    } catch (error) {
      // The execution failed at its trigger.
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: (error as Error).message }));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/acme-chat`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
