// Connections of components written with the SDK: Spectral's connection(), oauth2Connection(),
// templateConnectionInputs() and ConnectionError, what component() makes of them, and what componentManifest() tells
// the server about them (secret inputs, templates, the OAuth 2.0 grant and its settings).
// `npm run lint` type-checks this file, so each `@ts-expect-error` below must stay an error.
import { describe, expect, it } from 'vitest';
import {
  type ComponentConnection,
  type Connection,
  ConnectionError,
  type ConnectionOAuth2Config,
  component,
  componentManifest,
  configPage,
  connection,
  connectionConfigVar,
  flow,
  integration,
  isConnectionError,
  OAuth2PkceMethod,
  OAuth2Type,
  oauth2Connection,
  templateConnectionInputs,
} from '../src/index.js';

const display = { label: 'Acme', description: 'Acme API' };

const apiKey = connection({
  key: 'apiKey',
  display: {
    label: 'API Key',
    description: 'An Acme API key',
    icons: { avatarPath: 'avatar.png', oauth2ConnectionIconPath: 'icon.png' },
  },
  inputs: {
    apiKey: {
      label: 'API Key',
      type: 'password',
      required: true,
      comments: 'From Settings > API',
      writeOnly: true,
      permissionAndVisibilityType: 'embedded',
    },
    region: {
      label: 'Region',
      type: 'picklist',
      default: 'us',
      model: [
        { label: 'US', value: 'us' },
        { label: 'EU', value: 'eu' },
      ],
    },
    headers: { label: { key: 'Name', value: 'Header' }, type: 'string', collection: 'keyvaluelist' },
    host: { label: 'Host', type: 'string', onPremControlled: true },
    internal: { label: 'Internal', type: 'string', default: 'x', shown: false },
  },
});

const oauthConfig: ConnectionOAuth2Config = {
  extraAuthParams: { access_type: 'offline', prompt: 'consent' },
  extraTokenParams: { audience: 'api' },
  clientAuthentication: 'basic',
  refreshOn: { statuses: [401, 403], bodyIncludes: ['invalid_token'] },
  oAuthSuccessRedirectUri: 'https://app.example.test/done',
};

const acmeOAuth = oauth2Connection({
  key: 'oauth2',
  display: { label: 'OAuth 2.0', description: 'Acme OAuth 2.0' },
  oauth2Type: OAuth2Type.AuthorizationCode,
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  oauth2Config: oauthConfig,
  inputs: templateConnectionInputs(
    {
      domain: { label: 'Domain', type: 'string', required: true, example: 'pied-piper' },
      scopes: { label: 'Scopes', type: 'string', default: 'widgets.read offline_access' },
      clientId: { label: 'Client ID', type: 'string', required: true },
      clientSecret: { label: 'Client Secret', type: 'password', required: true },
    },
    {
      authorizeUrl: {
        label: 'Authorize URL',
        type: 'template',
        templateValue: 'https://{{#domain}}.acme.com/oauth/authorize',
      },
      tokenUrl: {
        label: 'Token URL',
        type: 'template',
        templateValue: 'https://{{#domain}}.acme.com/oauth/token',
        comments: 'Computed from the domain',
      },
    },
    OAuth2Type.AuthorizationCode,
  ),
});

const clientCredentials = oauth2Connection({
  key: 'clientCredentials',
  display: { label: 'Client Credentials', description: 'Server to server' },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    tokenUrl: { label: 'Token URL', type: 'string', required: true },
    scopes: { label: 'Scopes', type: 'string' },
    clientId: { label: 'Client ID', type: 'string', required: true },
    clientSecret: { label: 'Client Secret', type: 'password', required: true },
  },
});

const converted: ComponentConnection = {
  key: 'legacy',
  label: 'Legacy',
  comments: 'Already in the platform shape',
  inputs: [{ key: 'token', label: 'Token', type: 'password' }],
};

const acme = component({
  key: 'acme',
  display,
  connections: [apiKey, acmeOAuth, clientCredentials, converted],
});

describe('connection() and component()', () => {
  it('returns the definition as it is', () => {
    expect(connection(apiKey)).toBe(apiKey);
    expect(oauth2Connection(acmeOAuth)).toBe(acmeOAuth);
  });

  it('converts a declaration to the platform shape: label, comments, icons, inputs as a list with their keys', () => {
    expect(acme.connections[0]).toEqual({
      key: 'apiKey',
      label: 'API Key',
      comments: 'An Acme API key',
      iconPath: 'icon.png',
      avatarIconPath: 'avatar.png',
      inputs: [
        {
          key: 'apiKey',
          label: 'API Key',
          type: 'password',
          required: true,
          comments: 'From Settings > API',
        },
        {
          key: 'region',
          label: 'Region',
          type: 'picklist',
          default: 'us',
          model: [
            { label: 'US', value: 'us' },
            { label: 'EU', value: 'eu' },
          ],
        },
        { key: 'headers', label: 'Header', keyLabel: 'Name', type: 'string', collection: 'keyvaluelist' },
        { key: 'host', label: 'Host', type: 'string', onPremiseControlled: true },
        { key: 'internal', label: 'Internal', type: 'string', default: 'x', shown: false },
      ],
    });
  });

  it('keeps the OAuth 2.0 grant, PKCE method and settings, and hides template inputs', () => {
    expect(acme.connections[1]).toEqual({
      key: 'oauth2',
      label: 'OAuth 2.0',
      comments: 'Acme OAuth 2.0',
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'S256',
      oauth2Config: oauthConfig,
      inputs: [
        { key: 'domain', label: 'Domain', type: 'string', required: true, example: 'pied-piper' },
        { key: 'scopes', label: 'Scopes', type: 'string', default: 'widgets.read offline_access' },
        { key: 'clientId', label: 'Client ID', type: 'string', required: true },
        { key: 'clientSecret', label: 'Client Secret', type: 'password', required: true },
        {
          key: 'authorizeUrl',
          label: 'Authorize URL',
          type: 'template',
          templateValue: 'https://{{#domain}}.acme.com/oauth/authorize',
          shown: false,
        },
        {
          key: 'tokenUrl',
          label: 'Token URL',
          type: 'template',
          templateValue: 'https://{{#domain}}.acme.com/oauth/token',
          comments: 'Computed from the domain',
          shown: false,
        },
      ],
    });
    expect(acme.connections[2]).toMatchObject({ key: 'clientCredentials', oauth2Type: 'client_credentials' });
    expect(acme.connections[2]).not.toHaveProperty('oauth2PkceMethod');
  });

  it('accepts connections already in the platform shape, unchanged', () => {
    expect(acme.connections[3]).toBe(converted);
    expect(acme.connections.map((entry) => entry.key)).toEqual([
      'apiKey',
      'oauth2',
      'clientCredentials',
      'legacy',
    ]);
  });

  it('refuses a key declared twice, and OAuth 2.0 connections without their grant inputs', () => {
    expect(() => component({ key: 'twice', display, connections: [apiKey, apiKey] })).toThrow(
      "component 'twice' declares the connection 'apiKey' twice.",
    );
    // What a JavaScript author (no type checker) could write.
    const noAuthorizeUrl = {
      key: 'broken',
      display,
      oauth2Type: 'authorization_code',
      inputs: { tokenUrl: { label: 'Token URL', type: 'string' } },
    } as never;
    expect(() => component({ key: 'x', display, connections: [noAuthorizeUrl] })).toThrow(
      "component 'x', connection 'broken': an OAuth 2.0 authorization_code connection needs the inputs authorizeUrl, clientId.",
    );
    const unknownGrant = { key: 'odd', display, oauth2Type: 'password', inputs: {} } as never;
    expect(() => component({ key: 'x', display, connections: [unknownGrant] })).toThrow(
      /oauth2Type must be authorization_code or client_credentials, got 'password'/,
    );
    expect(() => component({ key: 'x', display, connections: [{ display, inputs: {} } as never] })).toThrow(
      "component 'x': every connection needs a key",
    );
  });
});

describe('templateConnectionInputs()', () => {
  const plain = { domain: { label: 'Domain', type: 'string' } } as const;

  it('merges the inputs and the template inputs', () => {
    const inputs = templateConnectionInputs(plain, {
      baseUrl: { label: 'Base URL', type: 'template', templateValue: 'https://{{#domain}}/api' },
    });
    expect(Object.keys(inputs)).toEqual(['domain', 'baseUrl']);
    expect(inputs.baseUrl.templateValue).toBe('https://{{#domain}}/api');
  });

  it('refuses templates without slots, with unknown or template slots, and keys given twice', () => {
    const template = (templateValue: string) => ({ label: 'URL', type: 'template' as const, templateValue });
    expect(() => templateConnectionInputs(plain, { url: template('https://acme.com') })).toThrow(
      "templateConnectionInputs: template input 'url' has no slot in its templateValue 'https://acme.com'; write the input to substitute as {{#inputKey}}.",
    );
    expect(() => templateConnectionInputs(plain, { url: template('https://{{#domian}}.acme.com') })).toThrow(
      "templateConnectionInputs: template input 'url' refers to {{#domian}}, which is not an input of the connection (plain inputs: domain) — did you mean 'domain'?",
    );
    expect(() =>
      templateConnectionInputs(plain, { a: template('https://{{#domain}}'), b: template('{{#a}}/token') }),
    ).toThrow(/template input 'b' refers to \{\{#a\}\}, which is a template input itself/);
    expect(() => templateConnectionInputs(plain, { domain: template('{{#domain}}') } as never)).toThrow(
      "templateConnectionInputs: 'domain' is both an input and a template input; keep one.",
    );
  });

  it('is checked again by component(), for templates written without it', () => {
    const handWritten = connection({
      key: 'hand',
      display,
      inputs: { url: { label: 'URL', type: 'template', templateValue: 'https://{{#host}}/' } },
    });
    expect(() => component({ key: 'x', display, connections: [handWritten] })).toThrow(
      "component 'x', connection 'hand': template input 'url' refers to {{#host}}, which is not an input of the connection (plain inputs: none)",
    );
  });
});

describe('componentManifest() of connections', () => {
  const manifest = componentManifest(acme);

  it('gives the server the input types (password: secret, template: computed), shown and templateValue', () => {
    expect(manifest.connections?.apiKey).toEqual({
      key: 'apiKey',
      label: 'API Key',
      description: 'An Acme API key',
      inputs: [
        { key: 'apiKey', label: 'API Key', type: 'password', required: true },
        {
          key: 'region',
          label: 'Region',
          type: 'picklist',
          default: 'us',
          model: [
            { label: 'US', value: 'us' },
            { label: 'EU', value: 'eu' },
          ],
        },
        { key: 'headers', label: 'Header', type: 'string', collection: 'keyvaluelist' },
        { key: 'host', label: 'Host', type: 'string' },
        { key: 'internal', label: 'Internal', type: 'string', default: 'x', shown: false },
      ],
    });
    expect(manifest.connections?.oauth2?.inputs.slice(4)).toEqual([
      {
        key: 'authorizeUrl',
        label: 'Authorize URL',
        type: 'template',
        shown: false,
        templateValue: 'https://{{#domain}}.acme.com/oauth/authorize',
      },
      {
        key: 'tokenUrl',
        label: 'Token URL',
        type: 'template',
        shown: false,
        templateValue: 'https://{{#domain}}.acme.com/oauth/token',
      },
    ]);
  });

  it('carries the grant, the PKCE method and the settings the server reads (and only those)', () => {
    expect(manifest.connections?.oauth2).toMatchObject({
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'S256',
      oauth2Config: {
        extraAuthParams: { access_type: 'offline', prompt: 'consent' },
        extraTokenParams: { audience: 'api' },
        clientAuthentication: 'basic',
        refreshOn: { statuses: [401, 403], bodyIncludes: ['invalid_token'] },
      },
    });
    expect(manifest.connections?.oauth2?.oauth2Config).not.toHaveProperty('oAuthSuccessRedirectUri');
    expect(manifest.connections?.clientCredentials).toMatchObject({ oauth2Type: 'client_credentials' });
    expect(manifest.connections?.clientCredentials).not.toHaveProperty('oauth2PkceMethod');
    expect(manifest.connections?.clientCredentials).not.toHaveProperty('oauth2Config');
    expect(manifest.connections?.apiKey).not.toHaveProperty('oauth2Type');
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('leaves shown and templateValue off action inputs', () => {
    const withAction = componentManifest({
      key: 'acme',
      display,
      actions: {
        get: {
          key: 'get',
          display,
          inputs: [{ key: 'url', label: 'URL', type: 'string', shown: false, templateValue: '{{#x}}' }],
          perform: async () => ({ data: null }),
        },
      },
      triggers: {},
    });
    expect(withAction.actions.get?.inputs).toEqual([{ key: 'url', label: 'URL', type: 'string' }]);
  });
});

describe('code-native connections', () => {
  it('carry the OAuth 2.0 grant, PKCE method and settings into the generated component and its manifest', () => {
    const cni = integration({
      name: 'Acme Sync',
      flows: [flow({ name: 'Sync', stableKey: 'sync', onExecution: async () => ({ data: null }) })],
      configPages: {
        Connections: configPage({
          elements: {
            'Acme OAuth': connectionConfigVar({
              stableKey: 'acme-oauth',
              dataType: 'connection',
              oauth2Type: OAuth2Type.AuthorizationCode,
              oauth2PkceMethod: OAuth2PkceMethod.Plain,
              oauth2Config: oauthConfig,
              inputs: {
                authorizeUrl: {
                  label: 'Authorize URL',
                  type: 'string',
                  default: 'https://acme.test/authorize',
                },
                tokenUrl: { label: 'Token URL', type: 'string', default: 'https://acme.test/token' },
                scopes: { label: 'Scopes', type: 'string' },
                clientId: { label: 'Client ID', type: 'string', required: true },
                clientSecret: { label: 'Client Secret', type: 'password', required: true },
              },
            }),
          },
        }),
      },
    });
    expect(cni.connections[0]).toMatchObject({
      key: 'acmeOAuth',
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'plain',
      oauth2Config: oauthConfig,
    });
    expect(componentManifest(cni).connections?.acmeOAuth).toMatchObject({
      oauth2Type: 'authorization_code',
      oauth2PkceMethod: 'plain',
      oauth2Config: { clientAuthentication: 'basic', extraAuthParams: { access_type: 'offline' } },
    });
  });

  it('turn template inputs (templateConnectionInputs) into template inputs of the generated component', () => {
    const inputs = templateConnectionInputs(
      { domain: { label: 'Domain', type: 'string', required: true } },
      { baseUrl: { label: 'Base URL', type: 'template', templateValue: 'https://{{#domain}}.acme.test' } },
    );
    const cni = integration({
      name: 'Acme Templates',
      flows: [flow({ name: 'Sync', stableKey: 'sync', onExecution: async () => ({ data: null }) })],
      configPages: {
        Connections: configPage({
          elements: {
            // ConnectionInput, the type of connectionConfigVar's inputs, has no template type (yet).
            Acme: connectionConfigVar({ stableKey: 'acme', dataType: 'connection', inputs: inputs as never }),
          },
        }),
      },
    });
    expect(cni.connections[0]?.inputs[1]).toEqual({
      key: 'baseUrl',
      label: 'Base URL',
      type: 'template',
      templateValue: 'https://{{#domain}}.acme.test',
      shown: false,
    });
  });
});

describe('ConnectionError', () => {
  const failing: Connection = {
    key: 'apiKey',
    configVarKey: 'Acme Connection',
    fields: { apiKey: 'secret-key-123' },
  };

  it('is an Error that names the connection, which marks it as failing', () => {
    const error = new ConnectionError(failing, 'The API key was revoked');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConnectionError');
    expect(error.message).toBe('The API key was revoked');
    expect(error.connection).toBe(failing);
    expect(isConnectionError(error)).toBe(true);
  });

  it('keeps the connection (and its secrets) out of serialized errors', () => {
    const error = new ConnectionError(failing, 'revoked');
    expect(JSON.stringify(error)).not.toContain('secret-key-123');
    expect(Object.keys(error)).not.toContain('connection');
  });

  it('is recognized when it comes from another copy of the SDK, and plain errors are not', () => {
    const copy = Object.assign(new Error('revoked'), { name: 'ConnectionError', connection: failing });
    expect(isConnectionError(copy)).toBe(true);
    expect(isConnectionError(new Error('revoked'))).toBe(false);
    expect(isConnectionError({ name: 'ConnectionError' })).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});

describe('types', () => {
  it('rejects connections that miss what their kind needs', () => {
    const inputs = {
      tokenUrl: { label: 'Token URL', type: 'string' },
      scopes: { label: 'Scopes', type: 'string' },
      clientId: { label: 'Client ID', type: 'string' },
      clientSecret: { label: 'Client Secret', type: 'password' },
    } as const;
    const checks = [
      // @ts-expect-error: the authorization code grant needs an authorizeUrl input
      oauth2Connection({ key: 'a', display, oauth2Type: OAuth2Type.AuthorizationCode, inputs }),
      // @ts-expect-error: PKCE is for the authorization code grant only
      oauth2Connection({
        key: 'b',
        display,
        oauth2Type: OAuth2Type.ClientCredentials,
        oauth2PkceMethod: OAuth2PkceMethod.S256,
        inputs,
      }),
      // @ts-expect-error: connection() is for connections without OAuth 2.0; use oauth2Connection()
      connection({ key: 'c', display, oauth2Type: OAuth2Type.ClientCredentials, inputs }),
      connection({
        key: 'd',
        display,
        // @ts-expect-error: a template input needs its templateValue
        inputs: { url: { label: 'URL', type: 'template' } },
      }),
      templateConnectionInputs(
        { domain: { label: 'Domain', type: 'string' }, clientId: inputs.clientId },
        // @ts-expect-error: tokenUrl, scopes and clientSecret are neither inputs nor template inputs
        { authorizeUrl: { label: 'Authorize URL', type: 'template', templateValue: '{{#domain}}' } },
        OAuth2Type.AuthorizationCode,
      ),
    ];
    expect(checks).toHaveLength(5);
  });

  it('types the merged inputs by key', () => {
    const merged = templateConnectionInputs(
      { domain: { label: 'Domain', type: 'string' } },
      { url: { label: 'URL', type: 'template', templateValue: 'https://{{#domain}}' } },
    );
    const domainType: 'string' = merged.domain.type;
    const urlType: 'template' = merged.url.type;
    expect([domainType, urlType]).toEqual(['string', 'template']);
  });
});
