import { component } from '@weft/sdk';
import { listChannels, postMessage } from './actions.js';
import { oauth2 } from './connections.js';
import { channels } from './dataSources.js';
import { messageEvents } from './triggers.js';

export { AcmeChatError, type Channel, type Message, type Subscription } from './client.js';
export { sign, signatureHeader, verifySignature } from './signature.js';
export type { AcmeChatEvent } from './triggers.js';

export const acmeChat = component({
  key: 'acme-chat',
  public: false,
  display: {
    label: 'Acme Chat',
    description: 'Posts to Acme Chat channels and runs flows on Acme Chat events (signed webhooks)',
    category: 'Application Connectors',
  },
  actions: { postMessage, listChannels },
  triggers: { messageEvents },
  dataSources: { channels },
  connections: [oauth2],
});

export default acmeChat;
