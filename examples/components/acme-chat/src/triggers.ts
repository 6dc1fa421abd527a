import { type ActionContext, input, trigger } from '@weft/sdk';
import { createAcmeChatClient } from './client.js';
import { toConnection, toRequiredText } from './inputs.js';
import { verifySignature } from './signature.js';

/** What Acme Chat posts: events, and once, when a URL is registered, a URL verification. */
export type AcmeChatEvent =
  | { type: 'url_verification'; challenge: string }
  | { type: 'message.created' | 'message.deleted' | 'channel.created'; [field: string]: unknown };

const defaultEvents = ['message.created'];

function toEvents(value: unknown): string[] {
  const events = (Array.isArray(value) ? value : [])
    .map((event) => String(event).trim())
    .filter((event) => event !== '');
  return events.length > 0 ? events : defaultEvents;
}

/**
 * Where the subscription id is kept. `onInstanceDeploy` and `onInstanceDelete` have no flow-level state, so it goes
 * into the instance's cross-flow state, under a key per flow.
 */
function subscriptionKey(context: ActionContext): string {
  return `${context.flow.name}-acme-chat-subscription-id`;
}

export const messageEvents = trigger({
  display: {
    label: 'Message Events',
    description:
      'Runs the flow when Acme Chat sends an event; registers the flow at Acme Chat when an instance is deployed',
  },
  inputs: {
    // Used by onInstanceDeploy / onInstanceDelete (to register the URL), which check it with toConnection.
    connection: input({ label: 'Connection', type: 'connection', required: true }),
    signingSecret: input({
      label: 'Signing Secret',
      type: 'password',
      required: true,
      comments: "Your Acme Chat app's signing secret; requests not signed with it are refused",
      clean: toRequiredText,
    }),
    events: input({
      label: 'Events',
      type: 'string',
      collection: 'valuelist',
      required: false,
      default: defaultEvents,
      comments: 'The events to receive: message.created, message.deleted, channel.created',
    }),
  },
  synchronousResponseSupport: 'valid',
  scheduleSupport: 'invalid',

  perform: async (context, payload, { signingSecret }) => {
    // (a) Only requests signed with the signing secret get through; the error fails the execution.
    verifySignature(payload, signingSecret);
    const event = payload.body.data as AcmeChatEvent | undefined;
    // (b) Acme Chat checks a new URL by sending a challenge it expects back at once, in the HTTP response.
    if (event?.type === 'url_verification') {
      context.logger.info('answered the Acme Chat URL verification');
      return {
        payload,
        response: {
          statusCode: 200,
          contentType: 'application/json',
          body: JSON.stringify({ challenge: event.challenge }),
        },
      };
    }
    // (c) Anything else is an event for the flow's steps: `body.data` is the event.
    return { payload };
  },

  onInstanceDeploy: async (context, params) => {
    const url = context.webhookUrls[context.flow.name];
    if (!url) throw new Error(`Weft gave no webhook URL for the flow '${context.flow.name}'`);
    const events = toEvents(params.events);
    const client = createAcmeChatClient(toConnection(params.connection));
    // Deploying again (a new version, a configuration change) must not register the URL twice.
    const existing = (await client.listSubscriptions()).find((subscription) => subscription.url === url);
    const subscription = existing
      ? await client.updateSubscription(existing.id, events)
      : await client.createSubscription({ url, events });
    context.logger.info(
      `${existing ? 'updated' : 'registered'} ${url} at Acme Chat for ${events.join(', ')} (subscription ${subscription.id})`,
    );
    return { crossFlowState: { ...context.crossFlowState, [subscriptionKey(context)]: subscription.id } };
  },

  onInstanceDelete: async (context, params) => {
    const key = subscriptionKey(context);
    const id = context.crossFlowState[key];
    if (typeof id !== 'string') {
      context.logger.warn('no Acme Chat subscription was recorded for this flow; nothing to remove');
      return;
    }
    const client = createAcmeChatClient(toConnection(params.connection));
    try {
      await client.deleteSubscription(id);
      context.logger.info(`removed the Acme Chat subscription ${id}`);
    } catch (error) {
      // Already removed at Acme Chat (by hand, or by an earlier attempt): the goal is reached.
      if ((error as { status?: number }).status !== 404) throw error;
      context.logger.info(`the Acme Chat subscription ${id} was already removed`);
    }
    const { [key]: _removed, ...crossFlowState } = context.crossFlowState;
    return { crossFlowState };
  },

  examplePayload: {
    payload: {
      headers: { 'content-type': 'application/json', 'x-acme-signature': 'sha256=…' },
      body: { data: { type: 'message.created', channel: 'C1', text: 'Hello', user: 'U1' } },
    },
  },
});
