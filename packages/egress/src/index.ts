/**
 * @module @weft/egress
 * Weft's outbound network policy: which addresses requests made on a user's behalf may reach (the SSRF guard, on
 * by default), the allow-list that opens hosts and ranges (`WEFT_EGRESS_ALLOW`), a `fetch` that applies it at
 * connect time, and the egress proxy through which component sandboxes reach the network.
 *
 * @example
 * ```ts
 * import { Egress, parseEgressAllowList } from '@weft/egress';
 * const { policy, problems } = parseEgressAllowList('intranet.example.com,10.1.0.0/16');
 * const egress = new Egress(policy);
 * await egress.fetch('http://169.254.169.254/latest/meta-data/'); // rejects: EGRESS_ADDRESS_REFUSED
 * ```
 */
export {
  type AddressClass,
  classifyAddress,
  isIpAddress,
  type RefusedRange,
  refusedRangeLabels,
} from './addresses.js';
export { defaultEgress, Egress, type EgressFetchInit, type EgressFetchOptions } from './egress.js';
export { guardedLookup, guardedTcpConnect, literalRefusal } from './guarded-connect.js';
export {
  defaultEgressPolicy,
  EgressConfigError,
  type EgressPolicy,
  EgressRefusedError,
  egressAllowSetting,
  egressPolicy,
  egressRefusal,
  egressRefusalIn,
  hostIsAllowed,
  normalizedHost,
  parseEgressAllowList,
} from './policy.js';
export {
  type EgressProxy,
  type EgressProxyEvent,
  type EgressProxyOptions,
  startEgressProxy,
} from './proxy.js';
export { egressProxyClientSource } from './sandbox-client.js';
