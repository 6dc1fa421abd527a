import { action, input } from '@weft/sdk';
import { createAcmeChatClient } from './client.js';
import { connectionInput, toBool, toOptionalText, toRequiredText } from './inputs.js';

export const postMessage = action({
  display: { label: 'Post Message', description: 'Posts a message to a channel (or a thread)' },
  inputs: {
    connection: connectionInput,
    channel: input({
      label: 'Channel',
      type: 'string',
      required: true,
      comments: 'The channel id, as the Channels data source gives it',
      dataSource: 'channels',
      example: 'C024BE91L',
      clean: toRequiredText,
    }),
    text: input({ label: 'Text', type: 'text', required: true, clean: toRequiredText }),
    threadId: input({
      label: 'Thread',
      type: 'string',
      required: false,
      comments: 'Reply in this thread (the id of its first message)',
      clean: toOptionalText,
    }),
  },
  perform: async (context, { connection, channel, text, threadId }) => {
    const message = await createAcmeChatClient(connection).postMessage({
      channel,
      text,
      ...(threadId === undefined ? {} : { threadId }),
    });
    context.logger.info(`posted message ${message.id} to ${channel}`);
    return { data: message };
  },
  examplePayload: { data: { id: 'M1', channel: 'C024BE91L', text: 'Hello from Weft' } },
});

export const listChannels = action({
  display: { label: 'List Channels', description: 'Lists the channels of the workspace' },
  inputs: {
    connection: connectionInput,
    includeArchived: input({
      label: 'Include Archived',
      type: 'boolean',
      required: false,
      default: false,
      clean: toBool,
    }),
  },
  perform: async (_context, { connection, includeArchived }) => ({
    data: await createAcmeChatClient(connection).listChannels(includeArchived),
  }),
  examplePayload: { data: [{ id: 'C024BE91L', name: 'general' }] },
});
