import { OAuth2PkceMethod, OAuth2Type, oauth2Connection, templateConnectionInputs } from '@weft/sdk';

/**
 * OAuth 2.0 authorization code with PKCE (S256): Weft sends the deployer to Acme Chat to consent, exchanges the code
 * for a token, keeps the token fresh, and gives steps `connection.token.access_token`.
 *
 * The deployer types the workspace's domain once; the URLs are template inputs computed from it (hidden from
 * deployers), so `{{#domain}}` = `mycompany.chat.acme.example` gives the authorize, token and API URLs.
 */
export const oauth2 = oauth2Connection({
  key: 'oauth2',
  display: { label: 'Acme Chat OAuth 2.0', description: 'Signs in to an Acme Chat workspace' },
  oauth2Type: OAuth2Type.AuthorizationCode,
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  inputs: templateConnectionInputs(
    {
      domain: {
        label: 'Workspace domain',
        type: 'string',
        required: true,
        default: 'chat.acme.example',
        comments: "Your workspace's domain, such as mycompany.chat.acme.example",
      },
      scopes: {
        label: 'Scopes',
        type: 'string',
        required: true,
        default: 'messages:write channels:read webhooks:write offline_access',
        comments: 'Space-separated',
      },
      clientId: { label: 'Client ID', type: 'string', required: true, comments: 'From your Acme Chat app' },
      clientSecret: { label: 'Client secret', type: 'password', required: true },
    },
    {
      authorizeUrl: {
        label: 'Authorize URL',
        type: 'template',
        templateValue: 'https://{{#domain}}/oauth/authorize',
      },
      tokenUrl: { label: 'Token URL', type: 'template', templateValue: 'https://{{#domain}}/oauth/token' },
      apiUrl: { label: 'API URL', type: 'template', templateValue: 'https://{{#domain}}/api' },
    },
    OAuth2Type.AuthorizationCode,
  ),
});
