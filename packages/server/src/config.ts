import os from 'node:os';
import path from 'node:path';
import { type EgressPolicy, egressAllowSetting, parseEgressAllowList } from '@weft/egress';
import { WeftError } from './errors.js';
import { type LogLevel, logLevels } from './logger.js';
import { parseMasterKeySettings } from './secrets/master-key.js';

/** The parts one Weft process can play; a process runs every role unless told otherwise. */
export const serverRoles = ['api', 'ingress', 'worker', 'scheduler'] as const;
export type ServerRole = (typeof serverRoles)[number];

/** Everything a Weft process needs to start, already validated. */
export interface WeftConfig {
  /**
   * Address the HTTP server binds to.
   * @defaultValue `127.0.0.1` — only this machine can reach Weft; use `0.0.0.0` to serve a network.
   */
  host: string;
  /**
   * HTTP port. `0` picks a free port (tests use this); the ready banner prints the one chosen.
   * @defaultValue `3000`
   */
  port: number;
  /**
   * Where Weft keeps its files: the embedded PostgreSQL cluster and the process lock.
   * @defaultValue `./.weft` (relative to the working directory)
   */
  dataDir: string;
  /**
   * An external PostgreSQL server. Unset: Weft runs its own embedded PostgreSQL under `dataDir`.
   * @defaultValue unset
   */
  databaseUrl: string | undefined;
  /**
   * Becomes the owner's API token on the first start instead of a generated one (for automation). Ignored once
   * the organization exists. At least 32 characters.
   * @defaultValue unset
   */
  adminToken: string | undefined;
  /** @defaultValue `info` */
  logLevel: LogLevel;
  /** @defaultValue all of `api`, `ingress`, `worker`, `scheduler` */
  roles: ServerRole[];
  /**
   * Largest request body the API accepts, in bytes; larger bodies get 413.
   * @defaultValue 1 MiB
   */
  bodyLimitBytes: number;
  /**
   * How long a shutdown waits for in-flight requests before closing their connections.
   * @defaultValue 10000
   */
  shutdownGraceMs: number;
  /**
   * The base URL webhook URLs are given with (what callers outside reach); unset: the URL Weft listens on.
   * @defaultValue unset
   */
  publicUrl: string | undefined;
  /**
   * Origins of the organization's own app, which embeds Weft's marketplace (`WEFT_ALLOWED_ORIGINS`,
   * comma-separated, e.g. `https://app.example.com`): an OAuth authorization started in the wizard may return the
   * browser there, and the landing page reports to it.
   * @defaultValue none (only Weft's own origin)
   */
  allowedOrigins: string[];
  /**
   * How many executions one worker process runs at once (`WEFT_WORKER_CONCURRENCY`).
   * @defaultValue 8
   */
  workerConcurrency: number;
  /**
   * How long a synchronous webhook waits for its flow's response before answering 504 (`WEFT_SYNC_TIMEOUT_MS`).
   * The execution goes on.
   * @defaultValue 30000
   */
  syncTimeoutMs: number;
  /**
   * How many preprocess flows one process runs at once (`WEFT_PREPROCESS_CONCURRENCY`); requests beyond it get
   * 503 `WEBHOOK_BUSY` with Retry-After, so a flood to a shared URL cannot exhaust the process.
   * @defaultValue 32
   */
  preprocessConcurrency: number;
  /**
   * Largest webhook request body, in bytes (`WEFT_WEBHOOK_BODY_LIMIT`); larger requests get 413.
   * @defaultValue 10 MiB
   */
  webhookBodyLimitBytes: number;
  /**
   * Shape limits of JSON and form bodies, for API requests and webhooks alike: `WEFT_BODY_MAX_DEPTH` (nesting of
   * objects and arrays, default 256, at most 1024; deeper gets 400 `API_BODY_TOO_DEEP`) and `WEFT_BODY_MAX_VALUES`
   * (array elements and object members in one body, default 1,000,000; more gets 413 `API_BODY_TOO_MANY_VALUES`).
   */
  bodyShapeLimits: BodyShapeLimits;
  /**
   * How long a running execution's worker lease lasts without renewal (`WEFT_EXECUTION_LEASE_MS`). A worker that
   * dies stops renewing; once the lease expires, another worker runs the execution again as a new attempt.
   * @defaultValue 30000
   */
  executionLeaseMs: number;
  /**
   * Executions (with their step results and logs) older than this many days are deleted in the background
   * (`WEFT_EXECUTION_RETENTION_DAYS`; 0 keeps them forever).
   * @defaultValue 30
   */
  executionRetentionDays: number;
  /**
   * Audit events older than this many days are deleted in the background (`WEFT_AUDIT_RETENTION_DAYS`; 0 keeps
   * them forever).
   * @defaultValue 365
   */
  auditRetentionDays: number;
  /**
   * The master key that protects stored credentials (`WEFT_ENCRYPTION_KEY`, 32 bytes as base64 or hex). Unset:
   * Weft generates one into `<dataDir>/encryption.key` (mode 0600) on first start; back that file up.
   * @defaultValue unset
   */
  encryptionKey: Buffer | undefined;
  /**
   * Master keys the current one replaced (`WEFT_ENCRYPTION_PREVIOUS_KEYS`, comma-separated): still read until
   * `weft keys:rotate` rewrapped everything under the current key.
   * @defaultValue none
   */
  previousEncryptionKeys: Buffer[];
  /**
   * Limits of the sandbox processes custom components and code-native integrations run in:
   * `WEFT_COMPONENT_MEMORY_MB` (heap per process, default 256; the process may use twice that in all),
   * `WEFT_COMPONENT_TIMEOUT_MS` (one call of an action, trigger or data source, default 300000),
   * `WEFT_COMPONENT_PROCESSES` (sandbox processes at once per Weft process, default twice the cores, at least 4).
   */
  componentSandbox: SandboxLimits;
  /**
   * How long a signed-in session of an organization user lives: it ends after `idleMinutes` without a request
   * (`WEFT_SESSION_IDLE_MINUTES`, default 720 = 12 hours) and `maxDays` after sign-in whatever happens
   * (`WEFT_SESSION_MAX_DAYS`, default 7).
   */
  sessions: { idleMinutes: number; maxDays: number };
  /**
   * What outbound requests made on a user's behalf may reach (`WEFT_EGRESS_ALLOW`): http steps, data sources,
   * connection tests, OAuth 2.0 token requests and custom components' requests. The SSRF guard refuses loopback,
   * private, link-local, cloud metadata and other special addresses (checked on the addresses a name resolves to,
   * at connect time, on every redirect); the allow-list opens host names, `*.example.com` wildcards, IP addresses
   * and CIDR ranges, comma-separated (`intranet.example.com,10.0.0.0/8`). `*` turns the guard off.
   * @defaultValue nothing opened: the guard refuses every special address
   */
  egress: EgressPolicy;
  /**
   * Where alert emails go out (`WEFT_SMTP_URL`, e.g. `smtp://user:password@mail.example.com:587` or `smtps://…`
   * for TLS from the start) and who they come from (`WEFT_EMAIL_FROM`, default `Weft alerts <weft@localhost>`).
   * Unset: alert groups notify their webhooks only, and users' email deliveries fail with a message saying so.
   * @defaultValue unset
   */
  email: EmailSettings | undefined;
  /**
   * How often the monitoring dispatcher and the delivery runner look for work another process left them
   * (`WEFT_MONITORING_POLL_MS`); work made in this process starts at once.
   * @defaultValue 1000
   */
  monitoringPollMs: number;
  /**
   * How custom component sandboxes reach the network (`WEFT_SANDBOX_NETWORK`). `isolated`: each sandbox process
   * runs in a network namespace of its own, whose only way out is Weft's egress proxy (the same policy as
   * `egress`); where namespaces cannot be created, custom components do not run (`SANDBOX_NETWORK_UNAVAILABLE`).
   * `open`: the sandboxes share the machine's network; their HTTP clients still go through the proxy, but code
   * that opens sockets itself is not stopped — an explicit, logged opt-out for machines without namespaces.
   * @defaultValue `isolated`
   */
  sandboxNetwork: SandboxNetwork;
  /**
   * Where execution traces go (OpenTelemetry, OTLP over HTTP with JSON bodies): `WEFT_OTLP_ENDPOINT`, the collector's
   * base URL (`http://collector:4318`; traces are POSTed to its `/v1/traces`), else the standard
   * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL, used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL).
   * The service name is `OTEL_SERVICE_NAME` (default `weft`); spans wait `OTEL_BSP_SCHEDULE_DELAY` milliseconds
   * (default 5000) to be sent together; `OTEL_SDK_DISABLED=true` turns tracing off. Unset: no tracing, and the
   * OpenTelemetry SDK is never loaded.
   * @defaultValue unset
   */
  tracing: TracingSettings | undefined;
}

/** How custom component sandboxes reach the network (see `WeftConfig.sandboxNetwork`). */
export const sandboxNetworkModes = ['isolated', 'open'] as const;
export type SandboxNetwork = (typeof sandboxNetworkModes)[number];

/** Settings as given on the command line; each overrides its environment variable. */
export interface ConfigFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  databaseUrl?: string;
  logLevel?: string;
  role?: string[];
}

const minAdminTokenLength = 32;

/**
 * Reads and validates the configuration from the environment and flags. Every problem is reported at once, so a
 * user fixes them in one go rather than one start at a time.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}, cwd = process.cwd()): WeftConfig {
  const problems: string[] = [];
  const pick = (flag: string | undefined, name: string): string | undefined => {
    const value = flag ?? env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };

  const host = pick(flags.host, 'WEFT_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) {
    problems.push(`WEFT_HOST: '${host}' is not a host name or IP address (example: 127.0.0.1 or 0.0.0.0).`);
  }

  const portText = pick(flags.port, 'WEFT_PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(
      `WEFT_PORT: '${portText}' is not a port number; use an integer from 0 to 65535 (0 picks a free port).`,
    );
  }

  const dataDir = path.resolve(cwd, pick(flags.dataDir, 'WEFT_DATA_DIR') ?? '.weft');

  const databaseUrl = pick(flags.databaseUrl, 'DATABASE_URL');
  if (databaseUrl !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(databaseUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      problems.push(
        'DATABASE_URL: not a PostgreSQL URL; expected postgres://user:password@host:5432/database, or unset it to use the embedded database.',
      );
    }
  }

  const adminToken = pick(undefined, 'WEFT_ADMIN_TOKEN');
  if (adminToken !== undefined && (adminToken.length < minAdminTokenLength || /\s/.test(adminToken))) {
    problems.push(
      `WEFT_ADMIN_TOKEN: must be at least ${minAdminTokenLength} characters without spaces (it got ${adminToken.length}); generate one with \`openssl rand -hex 32\`.`,
    );
  }

  const logLevel = pick(flags.logLevel, 'WEFT_LOG_LEVEL') ?? 'info';
  if (!(logLevels as readonly string[]).includes(logLevel)) {
    problems.push(`WEFT_LOG_LEVEL: '${logLevel}' is not a log level; use one of ${logLevels.join(', ')}.`);
  }

  const roleSource = flags.role?.length ? '--role' : 'WEFT_ROLES';
  const roleList = flags.role?.length ? flags.role : (pick(undefined, 'WEFT_ROLES')?.split(',') ?? []);
  const roles: ServerRole[] = [];
  for (const raw of roleList.map((r) => r.trim()).filter(Boolean)) {
    if (!(serverRoles as readonly string[]).includes(raw)) {
      problems.push(`${roleSource}: '${raw}' is not a role; use one or more of ${serverRoles.join(', ')}.`);
    } else if (!roles.includes(raw as ServerRole)) {
      roles.push(raw as ServerRole);
    }
  }

  const integer = (name: string, fallback: number, min: number, max: number, hint: string): number => {
    const text = pick(undefined, name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      problems.push(`${name}: '${text}' is not valid; use an integer from ${min} to ${max} (${hint}).`);
      return fallback;
    }
    return value;
  };
  const workerConcurrency = integer(
    'WEFT_WORKER_CONCURRENCY',
    8,
    1,
    1000,
    'executions run at once per worker',
  );
  const syncTimeoutMs = integer('WEFT_SYNC_TIMEOUT_MS', 30_000, 100, 3_600_000, 'milliseconds');
  const preprocessConcurrency = integer(
    'WEFT_PREPROCESS_CONCURRENCY',
    32,
    1,
    10_000,
    'preprocess flows run at once per process',
  );
  const webhookBodyLimitBytes = integer(
    'WEFT_WEBHOOK_BODY_LIMIT',
    10 * 1024 * 1024,
    1024,
    1024 ** 3,
    'bytes',
  );
  const bodyShapeLimits: BodyShapeLimits = {
    maxDepth: integer(
      'WEFT_BODY_MAX_DEPTH',
      defaultBodyShapeLimits.maxDepth,
      8,
      maxConfigurableDepth,
      'levels of nested objects and arrays',
    ),
    maxValues: integer(
      'WEFT_BODY_MAX_VALUES',
      defaultBodyShapeLimits.maxValues,
      1000,
      100_000_000,
      'values in one body',
    ),
  };
  const executionLeaseMs = integer('WEFT_EXECUTION_LEASE_MS', 30_000, 1000, 3_600_000, 'milliseconds');
  const executionRetentionDays = integer(
    'WEFT_EXECUTION_RETENTION_DAYS',
    30,
    0,
    36_500,
    'days; 0 keeps forever',
  );
  const auditRetentionDays = integer('WEFT_AUDIT_RETENTION_DAYS', 365, 0, 36_500, 'days; 0 keeps forever');

  const sessions = {
    idleMinutes: integer('WEFT_SESSION_IDLE_MINUTES', 720, 5, 43_200, 'minutes without a request'),
    maxDays: integer('WEFT_SESSION_MAX_DAYS', 7, 1, 365, 'days after sign-in'),
  };

  const componentSandbox: SandboxLimits = {
    ...defaultSandboxLimits,
    memoryMb: integer('WEFT_COMPONENT_MEMORY_MB', defaultSandboxLimits.memoryMb, 32, 16_384, 'MB of heap'),
    callTimeoutMs: integer(
      'WEFT_COMPONENT_TIMEOUT_MS',
      defaultSandboxLimits.callTimeoutMs,
      100,
      3_600_000,
      'milliseconds',
    ),
    maxProcesses: integer(
      'WEFT_COMPONENT_PROCESSES',
      defaultSandboxLimits.maxProcesses,
      1,
      1000,
      'processes',
    ),
  };

  const publicUrl = pick(undefined, 'WEFT_PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) {
    problems.push(
      `WEFT_PUBLIC_URL: '${publicUrl}' is not an http(s) URL; use the address callers reach Weft at, e.g. https://hooks.example.com.`,
    );
  }

  const allowedOrigins: string[] = [];
  for (const entry of (pick(undefined, 'WEFT_ALLOWED_ORIGINS') ?? '').split(',')) {
    const text = entry.trim();
    if (text === '') continue;
    let origin: string | undefined;
    try {
      const url = new URL(text);
      if (
        (url.protocol === 'https:' || url.protocol === 'http:') &&
        url.origin === text.replace(/\/+$/, '')
      ) {
        origin = url.origin;
      }
    } catch {
      origin = undefined;
    }
    if (origin) allowedOrigins.push(origin);
    else {
      problems.push(
        `WEFT_ALLOWED_ORIGINS: '${text}' is not an origin; list origins as scheme://host[:port] without a path, comma-separated, e.g. https://app.example.com.`,
      );
    }
  }

  const masterKeys = parseMasterKeySettings(env);
  problems.push(...masterKeys.problems);

  const smtpUrl = pick(undefined, 'WEFT_SMTP_URL');
  let email: EmailSettings | undefined;
  if (smtpUrl !== undefined) {
    if (!/^smtps?:\/\/[^\s]+$/.test(smtpUrl)) {
      problems.push(
        'WEFT_SMTP_URL: not an SMTP URL; use smtp://user:password@host:587 (STARTTLS when offered) or smtps://host:465.',
      );
    } else {
      email = { smtpUrl, from: pick(undefined, 'WEFT_EMAIL_FROM') ?? 'Weft alerts <weft@localhost>' };
    }
  }
  const monitoringPollMs = integer(
    'WEFT_MONITORING_POLL_MS',
    1000,
    50,
    60_000,
    'milliseconds between looks for alerts, events and deliveries left by other processes',
  );
  const egressAllow = parseEgressAllowList(pick(undefined, egressAllowSetting));
  problems.push(...egressAllow.problems.map((problem) => `${egressAllowSetting}: ${problem}`));

  const tracing = tracingSettings(pick, integer, problems);

  const sandboxNetwork = pick(undefined, 'WEFT_SANDBOX_NETWORK') ?? 'isolated';
  if (!(sandboxNetworkModes as readonly string[]).includes(sandboxNetwork)) {
    problems.push(
      `WEFT_SANDBOX_NETWORK: '${sandboxNetwork}' is not a sandbox network mode; use isolated (the default: custom components reach the network only through the egress guard) or open (they share the machine's network).`,
    );
  }

  if (problems.length > 0) {
    throw new WeftError(
      'CONFIG_INVALID',
      `Weft cannot start; the configuration has ${problems.length} problem(s):`,
      {
        problems,
      },
    );
  }

  return {
    host,
    port,
    dataDir,
    databaseUrl,
    adminToken,
    logLevel: logLevel as LogLevel,
    roles: roles.length > 0 ? roles : [...serverRoles],
    bodyLimitBytes: 1024 * 1024,
    shutdownGraceMs: 10_000,
    publicUrl,
    allowedOrigins,
    workerConcurrency,
    syncTimeoutMs,
    preprocessConcurrency,
    webhookBodyLimitBytes,
    bodyShapeLimits,
    executionLeaseMs,
    executionRetentionDays,
    auditRetentionDays,
    encryptionKey: masterKeys.current,
    previousEncryptionKeys: masterKeys.previous,
    componentSandbox,
    sessions,
    egress: egressAllow.policy,
    email,
    monitoringPollMs,
    sandboxNetwork: sandboxNetwork as SandboxNetwork,
    tracing,
  };
}

/** Where and how execution traces are exported (`WeftConfig.tracing`). */
export interface TracingSettings {
  /** The full URL spans are POSTed to, e.g. `http://collector:4318/v1/traces`. */
  endpoint: string;
  /** The `service.name` of every span (`OTEL_SERVICE_NAME`). */
  serviceName: string;
  /** How long finished spans wait to be sent together (`OTEL_BSP_SCHEDULE_DELAY`). */
  exportDelayMs: number;
}

/** `WeftConfig.tracing`, from WEFT_OTLP_ENDPOINT or the standard OpenTelemetry variables. */
function tracingSettings(
  pick: (flag: string | undefined, name: string) => string | undefined,
  integer: (name: string, fallback: number, min: number, max: number, hint: string) => number,
  problems: string[],
): TracingSettings | undefined {
  const exportDelayMs = integer('OTEL_BSP_SCHEDULE_DELAY', 5000, 1, 600_000, 'milliseconds');
  if (pick(undefined, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const sources: Array<[name: string, base: boolean]> = [
    ['WEFT_OTLP_ENDPOINT', true],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', false],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', true],
  ];
  for (const [name, base] of sources) {
    const value = pick(undefined, name);
    if (value === undefined) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(
        `${name}: '${value}' is not an http(s) URL; use the OpenTelemetry collector's OTLP/HTTP address, e.g. http://127.0.0.1:4318.`,
      );
      return undefined;
    }
    // A base URL gets the traces path, as OpenTelemetry's own exporters do; one already ending in it is kept.
    const endpoint =
      base && !/\/v1\/traces\/?$/.test(url.pathname) ? `${value.replace(/\/+$/, '')}/v1/traces` : value;
    return { endpoint, serviceName: pick(undefined, 'OTEL_SERVICE_NAME') ?? 'weft', exportDelayMs };
  }
  return undefined;
}

/** The limits of the processes that run custom components and code-native integrations (component-sandboxes.ts). */
export interface SandboxLimits {
  /** Heap of a sandbox process, in MB; the process as a whole may use twice that (Buffers live outside the heap). */
  memoryMb: number;
  /** How long one call may run before its process is killed. */
  callTimeoutMs: number;
  /** How long loading a bundle (its top-level code) may take. */
  loadTimeoutMs: number;
  /** Sandbox processes alive at once, across bundles; calls beyond wait for one. */
  maxProcesses: number;
  /** How long an idle process is kept for its bundle's next call. */
  idleMs: number;
}

export const defaultSandboxLimits: SandboxLimits = {
  memoryMb: 256,
  callTimeoutMs: 300_000,
  loadTimeoutMs: 15_000,
  maxProcesses: Math.max(4, os.availableParallelism() * 2),
  idleMs: 60_000,
};

/**
 * The one check of a request body's shape, for API routes and webhooks alike. The byte limits (bodyLimit) bound a
 * body's size; these bound what a small body can still do to the server once parsed: nesting that overflows the
 * stack of every recursive walk after it (JSON.stringify, PostgreSQL's jsonb, the engine), so many values that
 * parsing alone takes hundreds of megabytes, keys that rewrite an object's prototype when code merges the value,
 * and text PostgreSQL cannot store. The JSON text is checked before it is parsed, in one pass without recursion.
 */
export interface BodyShapeLimits {
  /** Objects and arrays nested deeper than this are refused: 400 `API_BODY_TOO_DEEP` (`WEFT_BODY_MAX_DEPTH`). */
  maxDepth: number;
  /**
   * More values than this in one body (every array element and object member, and the body itself) are refused:
   * 413 `API_BODY_TOO_MANY_VALUES` (`WEFT_BODY_MAX_VALUES`). Form bodies count their fields.
   */
  maxValues: number;
}

/**
 * Depth 256: real payloads nest a few dozen levels at most, and every walk after parsing stays far from the stack's
 * end (JSON.stringify overflows past about 4,000 levels, structured clone past about 3,000, less in a deep call).
 * One million values: a 10 MiB webhook body of ordinary records holds a few hundred thousand; the API's 1 MiB
 * bodies cannot reach it. A body of a million empty objects parses to about 60 MB, the most one request may cost.
 */
export const defaultBodyShapeLimits: BodyShapeLimits = { maxDepth: 256, maxValues: 1_000_000 };
/** The largest depth configuration may set: well below where JSON.stringify overflows. */
export const maxConfigurableDepth = 1024;

/** Alert email delivery (`WEFT_SMTP_URL`, `WEFT_EMAIL_FROM`). */
export interface EmailSettings {
  smtpUrl: string;
  from: string;
}
