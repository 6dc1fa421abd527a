/**
 * The egress policy: the SSRF guard's refused ranges (addresses.ts), opened by the operator's allow-list
 * (`WEFT_EGRESS_ALLOW`): host names, `*.example.com` wildcards, IP addresses and CIDR ranges, or `*` for no guard
 * at all. One policy decides for every outbound connection Weft makes on a user's behalf.
 */
import ipaddr from 'ipaddr.js';
import { type AddressClass, classifyAddress, type RefusedRange, refusedRangeLabels } from './addresses.js';

/** The name of the setting, as messages tell people to change it. */
export const egressAllowSetting = 'WEFT_EGRESS_ALLOW';

export interface EgressPolicy {
  /** `WEFT_EGRESS_ALLOW=*`: the guard is off, every address may be reached. */
  readonly allowAll: boolean;
  /** Host names opened whatever they resolve to (lower case, no trailing dot). */
  readonly hosts: ReadonlySet<string>;
  /** `*.example.com` entries, as suffixes (`.example.com`): any name below them, not the domain itself. */
  readonly domains: readonly string[];
  /** IP addresses and CIDR ranges opened (an address is a range of one). */
  readonly ranges: ReadonlyArray<readonly [ipaddr.IPv4 | ipaddr.IPv6, number]>;
  /** The entries as given, for logs. */
  readonly entries: readonly string[];
}

/** The guard as it is by default: every refused range refused, nothing opened. */
export const defaultEgressPolicy: EgressPolicy = Object.freeze({
  allowAll: false,
  hosts: new Set<string>(),
  domains: [],
  ranges: [],
  entries: [],
});

const label = '[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?';
const hostNamePattern = new RegExp(`^${label}(\\.${label})*$`);

/** A host as URLs and resolvers write it, compared: lower case, no brackets, no trailing dot. */
export function normalizedHost(host: string): string {
  let text = host.trim().toLowerCase();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

function parseEntry(
  entry: string,
  into: { hosts: Set<string>; domains: string[]; ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> },
): string | undefined {
  const text = normalizedHost(entry);
  const hint =
    'give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8)';
  if (text.includes('://')) return `'${entry}' is a URL; ${hint}, without scheme, port or path.`;
  if (/[/:]/.test(text) && (text.includes('/') || ipaddr.IPv6.isValid(text))) {
    if (text.includes('/')) {
      const [address = '', prefix = ''] = text.split('/');
      const valid =
        /^\d{1,3}$/.test(prefix) &&
        (ipaddr.IPv4.isValidCIDRFourPartDecimal(text) ||
          (ipaddr.IPv6.isValid(address) && ipaddr.IPv6.isValidCIDR(text)));
      if (!valid) return `'${entry}' is not a CIDR range; ${hint}, without scheme, port or path.`;
      const [range, bits] = ipaddr.parseCIDR(text);
      into.ranges.push([range, bits]);
      return undefined;
    }
    const address = ipaddr.IPv6.parse(text);
    into.ranges.push([address, 128]);
    return undefined;
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    into.ranges.push([ipaddr.IPv4.parse(text), 32]);
    return undefined;
  }
  if (/^\d+(\.\d+)*$/.test(text) || /^0x/.test(text)) {
    return `'${entry}' is not an IP address Weft reads; write IPv4 addresses as four decimal numbers (127.0.0.1).`;
  }
  if (text.startsWith('*.')) {
    const domain = text.slice(2);
    if (!hostNamePattern.test(domain)) return `'${entry}' is not a wildcard of a domain; ${hint}.`;
    into.domains.push(`.${domain}`);
    return undefined;
  }
  if (!hostNamePattern.test(text)) {
    return `'${entry}' is not a host name, wildcard, IP address or CIDR range; ${hint}, without scheme, port or path.`;
  }
  into.hosts.add(text);
  return undefined;
}

/**
 * Reads an allow-list (`WEFT_EGRESS_ALLOW`): entries separated by commas (spaces around them ignored). Every
 * problem is answered, each naming its entry and what to write instead; the policy is only meaningful when there
 * are none.
 */
export function parseEgressAllowList(text: string | undefined): { policy: EgressPolicy; problems: string[] } {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems: string[] = [];
  if (entries.includes('*')) {
    if (entries.length > 1) {
      problems.push(
        `'*' turns the guard off for every address, so it cannot be combined with other entries; give '*' alone, or list the hosts and ranges to open.`,
      );
    }
    return { policy: { ...defaultEgressPolicy, allowAll: true, entries: ['*'] }, problems };
  }
  const into = {
    hosts: new Set<string>(),
    domains: [] as string[],
    ranges: [] as Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>,
  };
  for (const entry of entries) {
    const problem = parseEntry(entry, into);
    if (problem) problems.push(problem);
  }
  return { policy: { allowAll: false, ...into, entries }, problems };
}

/** An allow-list known to be valid (tests, fixed settings); throws on a problem. */
export function egressPolicy(text: string): EgressPolicy {
  const { policy, problems } = parseEgressAllowList(text);
  if (problems.length > 0) throw new EgressConfigError(problems);
  return policy;
}

/** A `WEFT_EGRESS_ALLOW` that cannot be read. */
export class EgressConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`${egressAllowSetting} is not valid: ${problems.join(' ')}`);
    this.name = 'EgressConfigError';
  }
}

/** The refusal of one connection: a stable code, and a message that says what was refused and what to do. */
export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_ADDRESS_REFUSED';
  constructor(
    /** The host as the request named it (a name or an IP address). */
    readonly host: string,
    /** The address the host resolved to (the host itself when it is an address). */
    readonly address: string,
    readonly range: RefusedRange,
    /** For an IPv6 address wrapping an IPv4 one: that address and the form. */
    readonly embedded?: { address: string; form: string },
  ) {
    const resolved = normalizedHost(host) === address ? '' : ` (it resolves to ${address})`;
    const wrapped = embedded ? ` (an ${embedded.form} form of ${embedded.address})` : '';
    super(
      `Refused to connect to ${host}${resolved}: ${address}${wrapped} is in the ${refusedRangeLabels[range]} range. Weft does not call loopback, private-network, link-local or cloud-metadata addresses on a user's behalf, so that a URL typed into a configuration cannot reach internal services. If ${host} is a service Weft should call, ask the operator to add it to ${egressAllowSetting}.`,
    );
    this.name = 'EgressRefusedError';
  }
}

function inRanges(policy: EgressPolicy, address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  return policy.ranges.some(
    ([range, bits]) => range.kind() === parsed.kind() && parsed.match(range as never, bits),
  );
}

/** Whether the allow-list opens this host by name (exact, or below a `*.` domain). */
export function hostIsAllowed(policy: EgressPolicy, host: string): boolean {
  if (policy.allowAll) return true;
  const name = normalizedHost(host);
  return policy.hosts.has(name) || policy.domains.some((suffix) => name.endsWith(suffix));
}

/**
 * The decision for one connection: `host` as the request named it, `address` one address it resolved to (or the
 * host itself, for an IP address). Undefined when the connection may go ahead; otherwise the refusal to throw.
 */
export function egressRefusal(
  policy: EgressPolicy,
  host: string,
  address: string,
): EgressRefusedError | undefined {
  if (policy.allowAll) return undefined;
  const found: AddressClass = classifyAddress(address);
  if (found.refused === undefined) return undefined;
  if (hostIsAllowed(policy, host)) return undefined;
  // Opening an IPv4 address opens it in whatever IPv6 form reaches it too.
  if (inRanges(policy, found.address) || (found.embedded && inRanges(policy, found.embedded.address))) {
    return undefined;
  }
  return new EgressRefusedError(host, found.address, found.refused, found.embedded);
}

/** The refusal inside an error (fetch wraps connection errors in `TypeError('fetch failed', {cause})`). */
export function egressRefusalIn(error: unknown): EgressRefusedError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    if (current instanceof EgressRefusedError) return current;
    if ((current as { code?: unknown }).code === 'EGRESS_ADDRESS_REFUSED' && current instanceof Error) {
      return current as EgressRefusedError;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
