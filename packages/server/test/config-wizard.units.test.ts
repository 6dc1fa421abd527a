// Issue 16 (config wizard): the pieces the wizard API stands on, without a server: page layout (unplaced variables
// last, user-level pages left out), visibility, what a deploy needs and how the refusal reads for a customer, the
// OAuth return origins, and the landing page a popup ends on.
import type { ConfigVar, Integration } from '@weft/definition';
import { describe, expect, it } from 'vitest';
import {
  authorizationLandingPage,
  returnOrigins,
  returnToFor,
  returnUrlFor,
} from '../src/connections/oauth-authorization.js';
import { WeftError } from '../src/errors.js';
import {
  configIncompleteError,
  configPageLayout,
  customerViewOfError,
  missingConfigValues,
  visibilityOf,
} from '../src/instances/instance-config.js';

const variable = (key: string, extra: Partial<ConfigVar> = {}): ConfigVar => ({
  key,
  stableKey: key.toLowerCase().replace(/ /g, '-'),
  dataType: 'string',
  orgOnly: false,
  ...extra,
});

const integration = {
  configVars: [
    variable('Api Key'),
    variable('Secret', { orgOnly: true }),
    variable('Token', { meta: { visibleToCustomerDeployer: false } }),
    variable('Banner', { dataType: 'htmlElement', defaultValue: '<b>Hello</b>' }),
    variable('Per User'),
    variable('Loose'),
  ],
  configPages: [
    {
      name: 'Start',
      userLevelConfigured: false,
      elements: [
        { type: 'htmlElement', value: '<p>Welcome</p>' },
        { type: 'configVar', value: 'Api Key' },
        { type: 'configVar', value: 'Banner' },
      ],
    },
    {
      name: 'Admin',
      userLevelConfigured: false,
      elements: [
        { type: 'configVar', value: 'Secret' },
        { type: 'configVar', value: 'Token' },
      ],
    },
    { name: 'Mine', userLevelConfigured: true, elements: [{ type: 'configVar', value: 'Per User' }] },
  ],
} as unknown as Integration;

describe('config pages', () => {
  it('keep the definition’s order, put unplaced variables last, and leave user-level pages out', () => {
    const layout = configPageLayout(integration);
    expect(layout.map((page) => page.name)).toEqual(['Start', 'Admin', 'Other settings']);
    expect(layout[0]?.elements).toEqual([
      { type: 'html', content: '<p>Welcome</p>' },
      { type: 'configVar', configVar: integration.configVars[0] },
      { type: 'html', content: '<b>Hello</b>' },
    ]);
    expect(layout[2]).toMatchObject({ unplaced: true, elements: [{ configVar: { key: 'Loose' } }] });
    expect(
      configPageLayout({
        ...integration,
        configPages: [{ name: 'Other settings', userLevelConfigured: false, elements: [] }],
      }).map((p) => p.name),
    ).toEqual(['Other settings', 'Other settings 2']);
  });

  it('name visibility as seed 003 does', () => {
    expect(integration.configVars.map(visibilityOf)).toEqual([
      'customer',
      'organization',
      'embedded',
      'customer',
      'customer',
      'customer',
    ]);
  });
});

describe('what a deploy needs', () => {
  it('every value of the instance-wide pages, named with its page', () => {
    expect(missingConfigValues(integration, { 'api-key': 'k', loose: null })).toEqual([
      { configVar: 'Secret', page: 'Admin', orgOnly: true },
      { configVar: 'Token', page: 'Admin', orgOnly: false },
      { configVar: 'Loose', page: 'Other settings', orgOnly: false },
    ]);
    const error = configIncompleteError(integration, { 'api-key': 'k', token: 't', loose: 'x' }, 3);
    expect(error?.message).toBe(
      "Version 3 cannot be deployed: config variable 'Secret' (page 'Admin') has no value.",
    );
    expect(
      configIncompleteError(integration, { 'api-key': 'k', secret: 's', token: 't', loose: 'x' }, 3),
    ).toBeUndefined();
  });

  it('reads to a customer without naming what only the organization sets', () => {
    const error = configIncompleteError(integration, {}, 2) as WeftError;
    const seen = customerViewOfError(error) as WeftError;
    expect(seen.code).toBe('INSTANCE_CONFIG_INCOMPLETE');
    expect(seen.message).not.toContain('Secret');
    expect(seen.message).toBe(
      "Version 2 cannot be deployed: config variables 'Api Key' (page 'Start'), 'Token' (page 'Admin'), 'Loose' (page 'Other settings') have no value, and 1 setting only the integration's provider can set is not set yet (ask them to set it).",
    );
    expect(seen.details).toMatchObject({
      missing: ['Api Key', 'Token', 'Loose'],
      organizationOnlyMissing: 1,
    });
    const other = new WeftError('INSTANCE_NOT_FOUND', 'gone');
    expect(customerViewOfError(other)).toBe(other);
  });
});

describe('OAuth return', () => {
  const origins = {
    baseUrl: 'https://weft.example.com',
    allowedOrigins: ['https://app.acme.example/', 'not a url'],
  };

  it('goes to Weft’s origin or an allowed one, else is refused', () => {
    expect(returnOrigins(origins)).toEqual(['https://weft.example.com', 'https://app.acme.example']);
    expect(returnToFor(undefined, origins)).toBe('https://weft.example.com/oauth2/complete');
    expect(returnToFor('https://app.acme.example/settings?x=1', origins)).toBe(
      'https://app.acme.example/settings?x=1',
    );
    for (const bad of [
      'https://app.acme.example.evil.test/',
      'http://app.acme.example/',
      'https://user:pass@weft.example.com/',
      'javascript:alert(1)',
      '//weft.example.com/x',
    ]) {
      expect(() => returnToFor(bad, origins), bad).toThrow(/not on an allowed origin/);
    }
  });

  it('comes back with the outcome added, failures included', () => {
    expect(
      returnUrlFor('https://app.acme.example/wizard?step=2', {
        connectionId: 'c1',
        status: 'connected',
        message: null,
      }),
    ).toBe('https://app.acme.example/wizard?step=2&connectionId=c1&status=connected');
    expect(
      returnUrlFor('https://weft.example.com/oauth2/complete', {
        connectionId: 'c1',
        status: 'error',
        message: 'access_denied',
      }),
    ).toBe('https://weft.example.com/oauth2/complete?connectionId=c1&status=error&message=access_denied');
  });

  it('lands a popup on a page that tells its opener, escaping what it shows', () => {
    const page = authorizationLandingPage(
      { connectionId: 'c1', status: 'error', message: '</script><img src=x onerror=alert(1)>' },
      ['https://weft.example.com'],
      'n0nce',
    );
    expect(page).not.toContain('</script><img');
    expect(page).toContain('&#60;/script&#62;');
    expect(page).toContain('\\u003c/script>');
    expect(page).toContain('<script nonce="n0nce">');
    expect(page).toContain('window.opener.postMessage(data, origins[i])');
  });
});
