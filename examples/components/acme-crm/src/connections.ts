import { connection } from '@weft/sdk';

/**
 * The deployer pastes an API key from Acme CRM (Settings → API keys). Inputs of type `password` are secrets: Weft
 * stores them encrypted and never shows them again.
 */
export const apiKeyConnection = connection({
  key: 'apiKey',
  display: { label: 'Acme CRM API key', description: 'Authenticates with an Acme CRM API key' },
  inputs: {
    baseUrl: {
      label: 'API base URL',
      type: 'string',
      required: true,
      default: 'https://api.acme-crm.example/v1',
      comments: "Your account's API address, without a trailing slash",
    },
    apiKey: {
      label: 'API key',
      type: 'password',
      required: true,
      comments: 'Sent as the X-API-Key header',
    },
  },
});
