import { dataSource } from '@weft/sdk';
import { createAcmeChatClient } from './client.js';
import { connectionInput } from './inputs.js';

/** The workspace's open channels as a picklist (`#name`, keyed by id), for a config wizard's channel choice. */
export const channels = dataSource({
  display: { label: 'Channels', description: "The workspace's channels, to pick one" },
  inputs: { connection: connectionInput },
  dataSourceType: 'picklist',
  perform: async (_context, { connection }) => {
    const found = await createAcmeChatClient(connection).listChannels(false);
    return { result: found.map((channel) => ({ label: `#${channel.name}`, key: channel.id })) };
  },
  examplePayload: { result: [{ label: '#general', key: 'C024BE91L' }] },
});
