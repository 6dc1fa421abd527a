// Issue 2: configuration is validated at start; every problem is reported at once with what to do.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, WeftError } from '../src/index.js';

function problemsOf(env: Record<string, string>, flags = {}): string[] {
  try {
    loadConfig(env, flags, '/srv/app');
  } catch (error) {
    expect(error).toBeInstanceOf(WeftError);
    expect((error as WeftError).code).toBe('CONFIG_INVALID');
    return (error as WeftError).details.problems as string[];
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, {}, '/srv/app');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: path.resolve('/srv/app/.weft'),
      databaseUrl: undefined,
      adminToken: undefined,
      logLevel: 'info',
      roles: ['api', 'ingress', 'worker', 'scheduler'],
    });
  });

  it('takes the environment, and flags over the environment', () => {
    const config = loadConfig(
      {
        WEFT_PORT: '4000',
        WEFT_HOST: '0.0.0.0',
        WEFT_DATA_DIR: 'var/weft',
        WEFT_LOG_LEVEL: 'debug',
        WEFT_ROLES: 'api,worker',
      },
      { port: '5000', role: ['scheduler', 'scheduler'] },
      '/srv/app',
    );
    expect(config).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      dataDir: '/srv/app/var/weft',
      logLevel: 'debug',
      roles: ['scheduler'],
    });
  });

  it('reports every bad setting at once, each naming the setting and a valid example', () => {
    const problems = problemsOf({
      WEFT_PORT: '70000',
      WEFT_LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://root@db/weft',
      WEFT_ADMIN_TOKEN: 'short',
      WEFT_ROLES: 'api,chef',
    });
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/WEFT_PORT: '70000'.*0 to 65535/);
    expect(problems.join('\n')).toMatch(/WEFT_LOG_LEVEL: 'loud'.*info/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL: .*postgres:\/\//);
    expect(problems.join('\n')).toMatch(/WEFT_ADMIN_TOKEN: .*at least 32/);
    expect(problems.join('\n')).toMatch(/WEFT_ROLES: 'chef' is not a role/);
  });

  it('never echoes a rejected admin token or database password', () => {
    const problems = problemsOf({
      WEFT_ADMIN_TOKEN: 'hunter2-secret',
      DATABASE_URL: 'mysql://u:p4ssw0rd@db/x',
    });
    expect(problems.join('\n')).not.toContain('hunter2-secret');
    expect(problems.join('\n')).not.toContain('p4ssw0rd');
  });

  it('refuses non-numeric ports and hosts with spaces', () => {
    expect(problemsOf({ WEFT_PORT: '30a' })[0]).toContain("'30a'");
    expect(problemsOf({ WEFT_HOST: 'my host' })[0]).toContain('WEFT_HOST');
  });
});
