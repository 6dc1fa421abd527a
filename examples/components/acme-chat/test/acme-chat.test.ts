// The Acme Chat component against a fake Acme Chat (test/fake-acme-chat.ts) that the tests start on 127.0.0.1.
import {
  type ActionContext,
  type Connection,
  createConnection,
  createHarness,
  invokeAction,
  invokeDataSource,
  invokeTrigger,
  isConnectionError,
} from '@weft/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { oauth2 } from '../src/connections.js';
import acmeChat, { sign } from '../src/index.js';
import {
  type FakeAcmeChat,
  type FakeAcmeChatOptions,
  goodToken,
  startFakeAcmeChat,
} from './fake-acme-chat.js';
import { startWebhookReceiver, type WebhookReceiver, webhookPayload } from './webhook-receiver.js';

const signingSecret = 'test-signing-secret';
const channels = [
  { id: 'C1', name: 'general' },
  { id: 'C2', name: 'random' },
  { id: 'C3', name: 'old-project', archived: true },
];

let fake: FakeAcmeChat | undefined;
let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  await fake?.close();
  fake = receiver = undefined;
});

/**
 * Starts the fake Acme Chat and returns an authorized connection to it, as Weft hands it to a step: the fields, with
 * the template inputs (authorizeUrl, tokenUrl, apiUrl) already computed, and the token (`null`: never authorized).
 */
async function connect(
  options: Partial<FakeAcmeChatOptions> = {},
  accessToken: string | null = goodToken,
): Promise<Connection> {
  fake = await startFakeAcmeChat({ channels, signingSecret, ...options });
  const fields = {
    domain: 'test.chat.acme.example',
    clientId: 'client',
    clientSecret: 'secret',
    apiUrl: fake.apiUrl,
  };
  const token = accessToken === null ? undefined : { access_token: accessToken, token_type: 'bearer' };
  return createConnection(oauth2, fields, token, 'Acme Chat Connection');
}

describe('the OAuth 2.0 connection', () => {
  it('is an authorization code grant with PKCE, its URLs computed from the workspace domain', () => {
    const [connection] = acmeChat.connections;
    expect(connection).toMatchObject({
      key: 'oauth2',
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'S256',
    });
    const inputs = Object.fromEntries((connection?.inputs ?? []).map((input) => [input.key, input]));
    expect(Object.keys(inputs)).toEqual([
      'domain',
      'scopes',
      'clientId',
      'clientSecret',
      'authorizeUrl',
      'tokenUrl',
      'apiUrl',
    ]);
    expect(inputs.clientSecret?.type).toBe('password');
    expect(inputs.authorizeUrl).toMatchObject({
      type: 'template',
      templateValue: 'https://{{#domain}}/oauth/authorize',
      shown: false,
    });
    expect(inputs.tokenUrl?.templateValue).toBe('https://{{#domain}}/oauth/token');
  });
});

describe('postMessage', () => {
  it('posts with the access token as a bearer token and returns the message', async () => {
    const connection = await connect();
    const { result, logs } = await invokeAction(acmeChat, 'postMessage', {
      connection,
      channel: 'C1',
      text: 'Deploy finished',
    });

    expect(result?.data).toEqual({ id: 'M1', channel: 'C1', text: 'Deploy finished' });
    expect(fake?.requests).toEqual([
      {
        method: 'POST',
        url: '/api/messages',
        authorization: `Bearer ${goodToken}`,
        body: { channel: 'C1', text: 'Deploy finished' },
      },
    ]);
    expect(logs).toEqual([{ level: 'info', message: 'posted message M1 to C1' }]);
  });

  it('replies in a thread when given one', async () => {
    const connection = await connect();
    await invokeAction(acmeChat, 'postMessage', {
      connection,
      channel: 'C2',
      text: 'Same here',
      threadId: 'M9',
    });
    expect(fake?.messages).toEqual([{ id: 'M1', channel: 'C2', text: 'Same here', threadId: 'M9' }]);
  });

  it("carries Acme Chat's status and error", async () => {
    const connection = await connect();
    await expect(
      invokeAction(acmeChat, 'postMessage', { connection, channel: 'C404', text: 'Hi' }),
    ).rejects.toThrow('Acme Chat answered 404 to POST /messages: channel_not_found');
  });

  it('throws a ConnectionError when Acme Chat rejects the token', async () => {
    const connection = await connect({}, 'expired-token');
    const error = await invokeAction(acmeChat, 'postMessage', {
      connection,
      channel: 'C1',
      text: 'Hi',
    }).catch((thrown: unknown) => thrown);
    expect(isConnectionError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Acme Chat rejected the access token (401 to POST /messages); authorize the connection again',
    );
    expect(fake?.messages).toEqual([]);
  });

  it('throws a ConnectionError, without calling Acme Chat, when the connection was never authorized', async () => {
    const connection = await connect({}, null);
    const error = await invokeAction(acmeChat, 'postMessage', {
      connection,
      channel: 'C1',
      text: 'Hi',
    }).catch((thrown: unknown) => thrown);
    expect(isConnectionError(error)).toBe(true);
    expect((error as Error).message).toBe('The Acme Chat connection has no access token: authorize it first');
    expect(fake?.requests).toEqual([]);
  });
});

describe('listChannels and the channels data source', () => {
  it('lists the open channels, and the archived ones too when asked', async () => {
    const connection = await connect();
    const open = await invokeAction(acmeChat, 'listChannels', { connection });
    expect(open.result?.data).toEqual(channels.slice(0, 2));
    const all = await invokeAction(acmeChat, 'listChannels', { connection, includeArchived: 'true' });
    expect(all.result?.data).toEqual(channels);
  });

  it('gives the open channels as a picklist for a config wizard', async () => {
    const connection = await connect();
    const { result } = await invokeDataSource(acmeChat, 'channels', { connection });
    expect(result).toEqual({
      result: [
        { label: '#general', key: 'C1' },
        { label: '#random', key: 'C2' },
      ],
    });
  });
});

describe('messageEvents trigger: requests', () => {
  const event = JSON.stringify({ type: 'message.created', channel: 'C1', text: 'Hello', user: 'U1' });
  const run = (headers: Record<string, string>, body = event) =>
    invokeTrigger(acmeChat, 'messageEvents', webhookPayload(body, headers), { signingSecret });

  it('passes a signed event on to the flow, with no response of its own', async () => {
    const { result } = await run({ 'x-acme-signature': sign(signingSecret, event) });
    expect(result?.payload.body.data).toEqual(JSON.parse(event));
    expect(result?.response).toBeUndefined();
  });

  it('refuses a request without the signature header, naming the header', async () => {
    await expect(run({})).rejects.toThrow(
      'The request has no x-acme-signature header, so it cannot be from Acme Chat; refused',
    );
  });

  it('refuses a signature made with another secret, or over another body', async () => {
    const refused =
      'The x-acme-signature header does not match the body signed with the signing secret; refused';
    await expect(run({ 'x-acme-signature': sign('someone-elses-secret', event) })).rejects.toThrow(refused);
    const tampered = event.replace('Hello', 'Send me the passwords');
    await expect(run({ 'x-acme-signature': sign(signingSecret, event) }, tampered)).rejects.toThrow(refused);
    await expect(run({ 'x-acme-signature': 'sha256=short' })).rejects.toThrow(refused);
  });

  it("answers Acme Chat's URL verification with the challenge, synchronously", async () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c-123' });
    const { result, logs } = await run({ 'X-Acme-Signature': sign(signingSecret, challenge) }, challenge);
    expect(result?.response).toEqual({
      statusCode: 200,
      contentType: 'application/json',
      body: '{"challenge":"c-123"}',
    });
    expect(logs).toEqual([{ level: 'info', message: 'answered the Acme Chat URL verification' }]);
  });

  it('refuses an unsigned URL verification too', async () => {
    await expect(run({}, JSON.stringify({ type: 'url_verification', challenge: 'c-123' }))).rejects.toThrow(
      /no x-acme-signature header/,
    );
  });
});

describe('messageEvents trigger: instance deploy and delete', () => {
  const harness = createHarness(acmeChat);
  const flowName = 'Chat Events';
  const webhookUrl = 'https://weft.example/webhooks/3f0c7c1e';
  const stateKey = `${flowName}-acme-chat-subscription-id`;

  /** The instance being deployed: the flow, the webhook URLs Weft gave its flows, and its cross-flow state. */
  function instance(
    crossFlowState: Record<string, unknown> = { 'Other Flow-state': 'kept' },
  ): Partial<ActionContext> {
    return {
      flow: { id: 'flow-1', name: flowName },
      webhookUrls: { [flowName]: webhookUrl, 'Other Flow': 'https://weft.example/webhooks/other' },
      crossFlowState,
    };
  }

  it("registers the flow's webhook URL at Acme Chat and keeps the subscription id in cross-flow state", async () => {
    const connection = await connect();
    const params = { connection, signingSecret, events: ['message.created', 'message.deleted'] };
    const { crossFlowState, logs } = await harness.triggerOnInstanceDeploy(
      'messageEvents',
      params,
      instance(),
    );

    expect(fake?.subscriptions).toEqual([
      { id: 'W1', url: webhookUrl, events: ['message.created', 'message.deleted'] },
    ]);
    expect(fake?.requests.map(({ method, url, authorization }) => ({ method, url, authorization }))).toEqual([
      { method: 'GET', url: '/api/webhooks', authorization: `Bearer ${goodToken}` },
      { method: 'POST', url: '/api/webhooks', authorization: `Bearer ${goodToken}` },
    ]);
    expect(crossFlowState).toEqual({ 'Other Flow-state': 'kept', [stateKey]: 'W1' });
    expect(logs).toEqual([
      {
        level: 'info',
        message: `registered ${webhookUrl} at Acme Chat for message.created, message.deleted (subscription W1)`,
      },
    ]);
  });

  it('updates the subscription instead of adding a second one when deployed again', async () => {
    const connection = await connect();
    const first = await harness.triggerOnInstanceDeploy(
      'messageEvents',
      { connection, signingSecret },
      instance(),
    );
    const again = await harness.triggerOnInstanceDeploy(
      'messageEvents',
      { connection, signingSecret, events: ['channel.created'] },
      instance(first.crossFlowState),
    );

    expect(fake?.subscriptions).toEqual([{ id: 'W1', url: webhookUrl, events: ['channel.created'] }]);
    expect(again.crossFlowState[stateKey]).toBe('W1');
  });

  it('removes the subscription when the instance is deleted, and forgets its id', async () => {
    const connection = await connect();
    const params = { connection, signingSecret };
    const deployed = await harness.triggerOnInstanceDeploy('messageEvents', params, instance());
    const deleted = await harness.triggerOnInstanceDelete(
      'messageEvents',
      params,
      instance(deployed.crossFlowState),
    );

    expect(fake?.subscriptions).toEqual([]);
    expect(fake?.requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/webhooks/W1' });
    expect(deleted.crossFlowState).toEqual({ 'Other Flow-state': 'kept' });
  });

  it('treats a subscription already removed at Acme Chat as removed', async () => {
    const connection = await connect();
    const { crossFlowState, logs } = await harness.triggerOnInstanceDelete(
      'messageEvents',
      { connection, signingSecret },
      instance({ [stateKey]: 'W-gone' }),
    );
    expect(crossFlowState).toEqual({});
    expect(logs).toEqual([
      { level: 'info', message: 'the Acme Chat subscription W-gone was already removed' },
    ]);
  });
});

describe('messageEvents trigger: end to end', () => {
  /**
   * Deploys the trigger with these input values, while a webhook receiver (Weft's part) runs the trigger with the
   * same values for each request to the flow's URL.
   */
  async function deployWithReceiver(params: Record<string, unknown>) {
    receiver = await startWebhookReceiver(
      async (payload) => (await invokeTrigger(acmeChat, 'messageEvents', payload, params)).result,
    );
    return createHarness(acmeChat).triggerOnInstanceDeploy('messageEvents', params, {
      flow: { id: 'flow-1', name: 'Chat Events' },
      webhookUrls: { 'Chat Events': receiver.url },
    });
  }

  it('gets registered through the URL verification, then runs the flow for signed events only', async () => {
    // This fake Acme Chat checks each new URL with a signed challenge, sent while it handles the registration.
    const connection = await connect({ verifyUrls: true });
    await deployWithReceiver({ connection, signingSecret, events: ['message.created'] });
    expect(fake?.subscriptions.map((subscription) => subscription.url)).toEqual([receiver?.url]);

    const deliveries = await fake?.deliver({ type: 'message.created', channel: 'C1', text: 'Hello' });
    expect(deliveries?.map((delivery) => delivery.status)).toEqual([200]);
    expect(receiver?.received.map((payload) => payload.body.data)).toEqual([
      { type: 'url_verification', challenge: expect.any(String) },
      { type: 'message.created', channel: 'C1', text: 'Hello' },
    ]);

    // A request that does not come from Acme Chat fails at the trigger instead of running the flow.
    const forged = await fetch(receiver?.url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-acme-signature': 'sha256=forged' },
      body: JSON.stringify({ type: 'message.created', text: 'Wire the money' }),
    });
    expect(forged.status).toBe(500);
    expect(await forged.json()).toEqual({
      error: 'The x-acme-signature header does not match the body signed with the signing secret; refused',
    });
    expect(receiver?.received).toHaveLength(2);
  });

  it('is refused by Acme Chat when the trigger has the wrong signing secret (the challenge fails)', async () => {
    const connection = await connect({ verifyUrls: true });
    await expect(deployWithReceiver({ connection, signingSecret: 'not-the-app-secret' })).rejects.toThrow(
      /^Acme Chat answered 400 to POST \/webhooks: url_verification_failed for http:\/\/127\.0\.0\.1:\d+\/webhooks\/acme-chat$/,
    );
    expect(fake?.subscriptions).toEqual([]);
  });
});
