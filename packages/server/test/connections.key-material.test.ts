// Issue 14 (key material): a private key is a secret whatever input holds it. Prismatic's sftp connector takes its
// key in a connection input of type `text`, not `password`; a key pasted into a plain string config variable is no
// less secret. Real generated keys (PEM: PKCS#1 RSA, encrypted PKCS#8) are set, used by a flow that logs, returns
// and throws them, and then every API answer, stored record and export is searched for any line of them: none.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery } from './support/integration-fixtures.js';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { instanceOf, testRun, waitForExecution, webhookTrigger } from './support/worker-fixtures.js';

const rsaKey = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const encryptedKey = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame-1234' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

/** Every line of a key's body (the part that is the secret), each searched for on its own. */
const bodyLines = (pem: string) =>
  pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----') && line.length >= 16);

const sftp = '{key: spectral-sftp, version: LATEST, isPublic: false}';
const yaml = (options: { backupDefault?: string } = {}) => `definitionVersion: 7
name: Key Holder ${options.backupDefault ? 'Export' : 'Runs'}
description: Holds private keys
endpointType: flow_specific
requiredConfigVars:
  - key: SFTP Login
    stableKey: sftp-login
    dataType: connection
    connection: {key: sftpPrivateKey, component: ${sftp}}
    orgOnly: false
  - key: Backup Key
    stableKey: backup-key
    dataType: string
    orgOnly: false${options.backupDefault ? `\n    defaultValue: ${JSON.stringify(options.backupDefault)}` : ''}
configPages: []
flows:
  - name: Use Key
    description: Logs, returns and throws the keys
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Log Backup Key
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger, configVars }) => {
                logger.info('backup key: ' + configVars['Backup Key']);
                return { data: { backup: configVars['Backup Key'] } };
              };
      - name: Use Key
        action: {key: useKey, component: ${sftp}}
        inputs:
          connection: {type: configVar, value: SFTP Login}
          fail: {type: reference, value: integrationTrigger.results.body.data.fail}
`;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ WEFT_LOG_LEVEL: 'silent' });
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('sftp-component.ts'), comment: 'sftp-shaped' },
  });
  expect(published.status, published.text).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

describe('private key material', () => {
  it('is masked in API answers, redacted from step results, logs and errors, and sealed at rest', async () => {
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await server.api(method, path, body === undefined ? {} : { body });
      answers.push(answer.text);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBeLessThan(300);
      return answer;
    };
    const instanceId = await instanceOf(server, yaml(), 'Keys Co');
    await call('PUT', `/api/instances/${instanceId}/config`, {
      values: {
        'SFTP Login': { host: 'sftp.example.com', username: 'deploy', privateKey: rsaKey },
        'Backup Key': encryptedKey,
      },
    });
    await call('POST', `/api/instances/${instanceId}/deploy`);

    const used = await waitForExecution(
      server,
      await testRun(server, instanceId, 'Use Key', { fail: false }),
      {
        timeoutMs: 60_000,
      },
    );
    expect(used.status, JSON.stringify(used.error)).toBe('succeeded');
    const failed = await waitForExecution(
      server,
      await testRun(server, instanceId, 'Use Key', { fail: true }),
      {
        timeoutMs: 60_000,
      },
    );
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toContain('authentication failed for key [REDACTED]');

    // The step really had the key (it is masked in what it returned, not missing from it).
    const useKey = used.stepRecords.find((record: { name: string }) => record.name === 'Use Key');
    expect(useKey.result).toEqual({
      host: 'sftp.example.com',
      key: '[REDACTED]',
      keyLines: rsaKey.split('\n').length,
    });
    const logs = used.logs.map((line: { message: string }) => line.message);
    expect(logs).toContain('connecting to sftp.example.com with [REDACTED]');
    expect(logs).toContain('backup key: [REDACTED]');

    // The connection's other text inputs are shown; the key (a `text` input, not `password`) is masked.
    const connections = await call('GET', `/api/instances/${instanceId}/connections`);
    const login = connections.body.items.find(
      (item: { configVar: string }) => item.configVar === 'SFTP Login',
    );
    expect(login.connection.fields).toEqual({
      host: 'sftp.example.com',
      username: 'deploy',
      privateKey: '********',
    });
    const detail = await call('GET', `/api/instances/${instanceId}`);
    const backup = detail.body.configVariables.find((item: { key: string }) => item.key === 'Backup Key');
    expect(backup.value).toEqual({ configured: true });

    for (const path of [
      `/api/executions/${used.id}`,
      `/api/executions/${failed.id}`,
      `/api/executions?instance=${instanceId}`,
      `/api/logs?instance=${instanceId}`,
      `/api/integrations/${detail.body.integration.id}/export`,
    ])
      await call('GET', path);

    const stored = await sqlQuery<{ text: string }>(
      server,
      `select coalesce(string_agg(t, E'\\n'), '') as text from (
         select result::text as t from execution_steps
         union all select message from execution_logs
         union all select coalesce(error::text, '') || coalesce(response::text, '') || trigger::text from executions
         union all select content::text from execution_blobs
         union all select fields_secret || coalesce(token_secret, '') from connections
       ) as everything`,
    );
    const haystacks: Record<string, string> = {
      'API answers': answers.join('\n'),
      'stored records': stored[0]!.text,
    };
    expect(haystacks['stored records']).toContain('backup key: [REDACTED]');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const line of [...bodyLines(rsaKey), ...bodyLines(encryptedKey)]) {
        const at = text.indexOf(line);
        expect(at, `${where} holds key material: …${text.slice(Math.max(0, at - 200), at + 80)}…`).toBe(-1);
      }
    }
  });

  it('is left out of an export', async () => {
    const imported = await server.api('POST', '/api/integrations/import', {
      body: { definition: yaml({ backupDefault: encryptedKey }) },
    });
    expect(imported.status, imported.text).toBe(201);
    const exported = await server.api('GET', `/api/integrations/${imported.body.id}/export`);
    expect(exported.status, exported.text).toBe(200);
    expect(exported.text).toContain('Backup Key');
    expect(exported.text).not.toContain('PRIVATE KEY');
    for (const line of bodyLines(encryptedKey)) expect(exported.text).not.toContain(line);
  });
});
