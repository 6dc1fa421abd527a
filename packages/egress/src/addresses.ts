/**
 * Which IP addresses outbound requests may reach by default. Everything that is not a public unicast address is
 * refused: this machine (loopback), private networks, link-local addresses (cloud metadata services live there),
 * unspecified, multicast, broadcast and reserved addresses — and an IPv6 address that only wraps one of those
 * (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo), since the kernel or a translator on the way delivers it to
 * the IPv4 address inside.
 *
 * The ranges themselves come from ipaddr.js (kept up to date with the IANA special-purpose registries); this file
 * only decides which of them are refused and how a refusal is named.
 */
import ipaddr from 'ipaddr.js';

/** Why an address is refused; stable identifiers (they appear in error details and logs). */
export type RefusedRange =
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'cloud-metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

/** How an error message names each refused range. */
export const refusedRangeLabels: Record<RefusedRange, string> = {
  loopback: 'loopback (this machine)',
  private: 'private network',
  shared: 'shared address space (100.64.0.0/10, carrier-grade NAT)',
  'link-local': 'link-local',
  'cloud-metadata': 'cloud metadata',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved (not routed on the internet)',
};

export interface AddressClass {
  /** The address in canonical form (IPv6 compressed, no zone). */
  address: string;
  /** Why it is refused; undefined for a public address. */
  refused: RefusedRange | undefined;
  /** For an IPv6 address wrapping an IPv4 one: the IPv4 address and how it is wrapped. */
  embedded?: { address: string; form: string };
}

/**
 * Instance metadata services, named apart from the link-local or private range around them because they are what
 * an SSRF attack is usually after (credentials of the machine's cloud role).
 */
const metadataAddresses = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle...
  '169.254.170.2', // AWS ECS task metadata and credentials
  '169.254.170.23', // AWS EKS pod identity agent
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS pod identity agent over IPv6
  '100.100.100.200', // Alibaba Cloud
  '192.0.0.192', // Oracle Cloud (classic)
]);

const ipv4Ranges: Record<string, RefusedRange | undefined> = {
  unicast: undefined,
  // Public anycast services (RFC 7534/7535, RFC 7450): ordinary internet destinations.
  as112: undefined,
  amt: undefined,
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'shared',
  private: 'private',
  reserved: 'reserved',
};

const ipv6Ranges: Record<string, RefusedRange | undefined> = {
  unicast: undefined,
  amt: undefined,
  as112v6: undefined,
  unspecified: 'unspecified',
  linkLocal: 'link-local',
  multicast: 'multicast',
  loopback: 'loopback',
  uniqueLocal: 'private',
  deprecatedSiteLocal: 'private',
  // RFC 8215's local-use NAT64 prefix 64:ff9b:1::/48 translates into a network of the operator's choosing.
  rfc6052Local: 'private',
};

const globalUnicast = ipaddr.IPv6.parse('2000::');
const nat64LocalUse = ipaddr.IPv6.parse('64:ff9b:1::');

function parsed(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // Only canonical forms: resolvers answer them, and URL hosts are normalised by the WHATWG parser before they get
  // here. ipaddr.js would also read "0x7f.1"-style IPv4, which getaddrinfo reads differently in corner cases.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

function ipv4From(parts: number[], offset: number): ipaddr.IPv4 {
  const high = parts[offset] ?? 0;
  const low = parts[offset + 1] ?? 0;
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address carries to, with the name of the form; undefined when it carries none. */
function embeddedIpv4(address: ipaddr.IPv6): { ipv4: ipaddr.IPv4; form: string } | undefined {
  const parts = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped':
      return { ipv4: address.toIPv4Address(), form: 'IPv4-mapped IPv6' };
    case 'rfc6145':
      return { ipv4: ipv4From(parts, 6), form: 'IPv4-translated IPv6' };
    case 'rfc6052':
      return address.match(nat64LocalUse, 48)
        ? undefined
        : { ipv4: ipv4From(parts, 6), form: 'NAT64 (64:ff9b::/96)' };
    case '6to4':
      return { ipv4: ipv4From(parts, 1), form: '6to4 (2002::/16)' };
    case 'teredo': {
      // The client's address, obfuscated (every bit flipped) in the last 32 bits.
      const client = [(parts[6] ?? 0) ^ 0xffff, (parts[7] ?? 0) ^ 0xffff];
      return { ipv4: ipv4From(client, 0), form: 'Teredo (2001::/32)' };
    }
  }
  // IPv4-compatible (::a.b.c.d, deprecated): the first 96 bits zero, other than :: and ::1.
  if (parts.slice(0, 6).every((part) => part === 0) && ((parts[6] ?? 0) !== 0 || (parts[7] ?? 0) > 1)) {
    return { ipv4: ipv4From(parts, 6), form: 'IPv4-compatible IPv6' };
  }
  return undefined;
}

function ipv4Class(address: ipaddr.IPv4): RefusedRange | undefined {
  const text = address.toString();
  if (metadataAddresses.has(text)) return 'cloud-metadata';
  const range = address.range();
  // A range ipaddr.js adds later is special-purpose by definition: refused until this table says otherwise.
  return range in ipv4Ranges ? ipv4Ranges[range] : 'reserved';
}

/**
 * The class of one IP address (as a resolver answers it, or as the WHATWG URL parser writes a host): refused with
 * the range it is in, or public. Text that is not an IP address is refused as `reserved`: whatever it is, it is no
 * address this guard can vouch for.
 */
export function classifyAddress(text: string): AddressClass {
  const address = parsed(text.replace(/%.*$/, ''));
  if (!address) return { address: text, refused: 'reserved' };
  if (address.kind() === 'ipv4') {
    const ipv4 = address as ipaddr.IPv4;
    return { address: ipv4.toString(), refused: ipv4Class(ipv4) };
  }
  const ipv6 = address as ipaddr.IPv6;
  const canonical = ipv6.toString();
  if (metadataAddresses.has(canonical)) return { address: canonical, refused: 'cloud-metadata' };
  const inner = embeddedIpv4(ipv6);
  if (inner) {
    const embedded = { address: inner.ipv4.toString(), form: inner.form };
    return { address: canonical, refused: ipv4Class(inner.ipv4), embedded };
  }
  let range: string = ipv6.range();
  if (range === 'rfc6052') range = 'rfc6052Local';
  if (range in ipv6Ranges) {
    const refused = ipv6Ranges[range];
    // Outside 2000::/3 nothing is allocated for global unicast yet: such an address is no public destination.
    if (refused === undefined && range === 'unicast' && !ipv6.match(globalUnicast, 3)) {
      return { address: canonical, refused: 'reserved' };
    }
    return { address: canonical, refused };
  }
  return { address: canonical, refused: 'reserved' };
}

/** Whether text is an IP address in canonical form (dotted-quad IPv4, or IPv6 with or without brackets). */
export function isIpAddress(text: string): boolean {
  return parsed(text) !== undefined;
}
