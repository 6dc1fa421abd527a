/**
 * The guard at the moment of connecting. A host name is checked on the addresses it actually resolves to, by the
 * `lookup` the socket itself uses: the addresses checked are the addresses connected to, so a name that resolves to
 * a public address for a check and to 127.0.0.1 a moment later (DNS rebinding) gains nothing. Every address the
 * resolver answers is checked, not only the first, since the socket may try each (Happy Eyeballs). An IP address
 * host is never looked up (Node connects to it directly), so it is checked before the connection is opened.
 */
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { type EgressPolicy, egressRefusal, normalizedHost } from './policy.js';

type LookupAddress = { address: string; family: number };

/** A `lookup` for net/tls/undici that answers only addresses the policy allows, and fails with the refusal otherwise. */
export function guardedLookup(policy: EgressPolicy): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error);
        return;
      }
      for (const { address } of addresses) {
        const refusal = egressRefusal(policy, hostname, address);
        if (refusal) {
          callback(refusal);
          return;
        }
      }
      if (options?.all) callback(null, addresses);
      else if (addresses[0]) callback(null, addresses[0].address, addresses[0].family);
      else callback(Object.assign(new Error(`no address found for ${hostname}`), { code: 'ENOTFOUND' }));
    });
  }) as LookupFunction;
}

/** The refusal of a host that is an IP address (no lookup will see it); undefined for names and allowed addresses. */
export function literalRefusal(policy: EgressPolicy, host: string) {
  const bare = normalizedHost(host);
  return net.isIP(bare) ? egressRefusal(policy, host, bare) : undefined;
}

/**
 * A TCP connection to host:port under the policy (what the egress proxy opens for a sandbox): resolved through the
 * guarded lookup, an IP address checked first. Resolves once connected; rejects with the refusal, or the network
 * error, otherwise.
 */
export function guardedTcpConnect(
  policy: EgressPolicy,
  host: string,
  port: number,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<net.Socket> {
  const refusal = literalRefusal(policy, host);
  if (refusal) return Promise.reject(refusal);
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: normalizedHost(host),
      port,
      lookup: guardedLookup(policy),
      // The sandbox's own timeout bounds the call; this bounds a connection that never completes.
      timeout: options.timeoutMs ?? 30_000,
    });
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(new Error('the connection was cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('timeout', () =>
      fail(Object.assign(new Error(`connecting to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', fail);
    socket.once('connect', () => {
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}
