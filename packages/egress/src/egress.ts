/**
 * The guarded `fetch`: undici's fetch through an undici Agent whose every connection goes through the guard
 * (guarded-connect.ts). Redirects, retries and keep-alive all open their connections through the same Agent, so
 * there is no way around the check from a URL. A refusal rejects with the `EgressRefusedError` itself (not fetch's
 * generic "fetch failed"), so callers can show its message as it is.
 */
import { Agent, buildConnector, FormData as UndiciFormData, fetch as undiciFetch } from 'undici';
import { guardedLookup, literalRefusal } from './guarded-connect.js';
import {
  defaultEgressPolicy,
  type EgressPolicy,
  egressAllowSetting,
  egressRefusalIn,
  parseEgressAllowList,
} from './policy.js';

export interface EgressFetchOptions {
  /** Accept any TLS certificate (the http component's Ignore SSL Errors): the address guard still applies. */
  ignoreTlsErrors?: boolean;
}

/** What undici's fetch takes and answers; the same shapes as the global fetch's. */
export type EgressFetchInit = RequestInit;

function guardedAgent(policy: EgressPolicy, rejectUnauthorized: boolean): Agent {
  const lookup = guardedLookup(policy);
  const connector = buildConnector({ lookup, rejectUnauthorized } as buildConnector.BuildOptions);
  return new Agent({
    connect: (options, callback) => {
      const refusal = literalRefusal(policy, options.hostname);
      if (refusal) {
        callback(refusal, null);
        return;
      }
      connector(options, callback);
    },
  });
}

/**
 * undici's fetch reads only its own FormData class: a global FormData (Node's bundled undici) would be sent as the
 * text "[object FormData]". Copied into undici's, its fields and files go as multipart.
 */
function portableBody(body: RequestInit['body']): RequestInit['body'] {
  if (!(body instanceof FormData) || body instanceof UndiciFormData) return body;
  const copy = new UndiciFormData();
  for (const [name, value] of body.entries()) {
    if (typeof value === 'string') copy.append(name, value);
    else copy.append(name, value, value.name);
  }
  return copy as unknown as RequestInit['body'];
}

/**
 * Outbound HTTP under one policy. Holds the connection pools (one verifying certificates, one not, made when
 * first needed); `close()` ends them.
 */
export class Egress {
  private verifying: Agent | undefined;
  private insecure: Agent | undefined;

  constructor(readonly policy: EgressPolicy = defaultEgressPolicy) {}

  /** `fetch` under the policy; a refused connection rejects with its `EgressRefusedError`. */
  async fetch(
    input: string | URL,
    init: EgressFetchInit = {},
    options: EgressFetchOptions = {},
  ): Promise<Response> {
    const dispatcher = this.agent(options.ignoreTlsErrors === true);
    // The caller's signal goes in wrapped: undici reads its listener limit with events.getMaxListeners, which on
    // Node 20 throws for a signal whose limit was set to 0 (unlimited), as the engine's execution signal is.
    const signal = init.signal ? AbortSignal.any([init.signal]) : undefined;
    try {
      const response = await undiciFetch(input, {
        ...(init as object),
        body: portableBody(init.body),
        ...(signal ? { signal } : {}),
        dispatcher,
      } as never);
      return response as unknown as Response;
    } catch (error) {
      throw egressRefusalIn(error) ?? error;
    }
  }

  /** The pool for certificate-checked requests, or the one for Ignore SSL Errors; made when first needed. */
  private agent(ignoreTlsErrors: boolean): Agent {
    if (ignoreTlsErrors) {
      this.insecure ??= guardedAgent(this.policy, false);
      return this.insecure;
    }
    this.verifying ??= guardedAgent(this.policy, true);
    return this.verifying;
  }

  async close(): Promise<void> {
    const agents = [this.verifying, this.insecure].filter((agent): agent is Agent => agent !== undefined);
    this.verifying = undefined;
    this.insecure = undefined;
    await Promise.all(agents.map((agent) => agent.close()));
  }
}

let processEgress: Egress | undefined;

/**
 * The egress of code that was given none (a library used outside the server, such as `weft run`): the guard on,
 * opened by this process's own `WEFT_EGRESS_ALLOW`, read once. The server never relies on it: it passes the egress
 * built from its validated configuration everywhere. An unreadable `WEFT_EGRESS_ALLOW` throws here, at the first
 * request, rather than leaving the guard open.
 */
export function defaultEgress(): Egress {
  if (!processEgress) {
    const { policy, problems } = parseEgressAllowList(process.env[egressAllowSetting]);
    if (problems.length > 0) {
      throw new Error(
        `${egressAllowSetting} is not valid, so no outbound request is made: ${problems.join(' ')}`,
      );
    }
    processEgress = new Egress(policy);
  }
  return processEgress;
}
