// Issue 16: which addresses the SSRF guard refuses, and how WEFT_EGRESS_ALLOW opens hosts and ranges.
import { describe, expect, it } from 'vitest';
import {
  classifyAddress,
  defaultEgressPolicy,
  EgressRefusedError,
  egressPolicy,
  egressRefusal,
  parseEgressAllowList,
} from '../src/index.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['fc00::1', 'private'],
    ['fec0::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'cloud-metadata'],
    ['169.254.170.2', 'cloud-metadata'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('refuses %s as %s', (address, range) => {
    expect(classifyAddress(address).refused).toBe(range);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1', 'IPv4-mapped IPv6'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1', 'IPv4-mapped IPv6'],
    ['::ffff:a9fe:a9fe', 'cloud-metadata', '169.254.169.254', 'IPv4-mapped IPv6'],
    ['::7f00:1', 'loopback', '127.0.0.1', 'IPv4-compatible IPv6'],
    ['::ffff:0:a00:1', 'private', '10.0.0.1', 'IPv4-translated IPv6'],
    ['64:ff9b::7f00:1', 'loopback', '127.0.0.1', 'NAT64 (64:ff9b::/96)'],
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata', '169.254.169.254', 'NAT64 (64:ff9b::/96)'],
    ['2002:7f00:1::1', 'loopback', '127.0.0.1', '6to4 (2002::/16)'],
    ['2002:c0a8:101::1', 'private', '192.168.1.1', '6to4 (2002::/16)'],
    // Teredo: the client's address is the last 32 bits with every bit flipped (0x80ff:fffe → 127.0.0.1).
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback', '127.0.0.1', 'Teredo (2001::/32)'],
  ])('refuses %s, which wraps an IPv4 address, as that address', (address, range, inner, form) => {
    const found = classifyAddress(address);
    expect(found.refused).toBe(range);
    expect(found.embedded).toEqual({ address: inner, form });
  });

  it('refuses the local-use NAT64 prefix, whose translation goes wherever its operator points it', () => {
    expect(classifyAddress('64:ff9b:1::a00:1').refused).toBe('private');
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '192.175.48.1', // AS112 anycast: public
    '2606:4700:4700::1111',
    '2a00:1450:4007:80e::200e',
    '64:ff9b::808:808', // NAT64 of a public address
    '2002:808:808::1', // 6to4 of a public address
  ])('lets the public address %s through', (address) => {
    expect(classifyAddress(address).refused).toBeUndefined();
  });

  it('refuses what is not a canonical address (a name, an odd IPv4 form) as reserved', () => {
    expect(classifyAddress('localhost').refused).toBe('reserved');
    expect(classifyAddress('0x7f.1').refused).toBe('reserved');
  });
});

describe('parseEgressAllowList', () => {
  it('reads host names, wildcards, IP addresses and CIDR ranges, comma-separated', () => {
    const { policy, problems } = parseEgressAllowList(
      ' 127.0.0.1, 10.0.0.0/8 ,Intranet.Example.com., *.corp.example, ::1, fd00::/8,',
    );
    expect(problems).toEqual([]);
    expect(policy.allowAll).toBe(false);
    expect([...policy.hosts]).toEqual(['intranet.example.com']);
    expect(policy.domains).toEqual(['.corp.example']);
    expect(policy.ranges.map(([range, bits]) => `${range.toString()}/${bits}`)).toEqual([
      '127.0.0.1/32',
      '10.0.0.0/8',
      '::1/128',
      'fd00::/8',
    ]);
  });

  it('is the default guard when unset or empty', () => {
    for (const text of [undefined, '', ' , ']) {
      const { policy, problems } = parseEgressAllowList(text);
      expect(problems).toEqual([]);
      expect(policy).toMatchObject({ allowAll: false, entries: [], domains: [], ranges: [] });
    }
  });

  it('turns the guard off with * alone', () => {
    expect(parseEgressAllowList('*')).toMatchObject({ policy: { allowAll: true }, problems: [] });
    expect(parseEgressAllowList('*,10.0.0.0/8').problems).toEqual([
      "'*' turns the guard off for every address, so it cannot be combined with other entries; give '*' alone, or list the hosts and ranges to open.",
    ]);
  });

  it('names every entry it cannot read, and what to write instead', () => {
    const { problems } = parseEgressAllowList(
      'http://intranet.example.com,intranet.example.com:8080,10.0.0.0/33,0x7f.1,127.1,bad host,*.,10.0.0.1/8/2,*.-bad-',
    );
    expect(problems).toEqual([
      "'http://intranet.example.com' is a URL; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'intranet.example.com:8080' is not a host name, wildcard, IP address or CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'10.0.0.0/33' is not a CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'0x7f.1' is not an IP address Weft reads; write IPv4 addresses as four decimal numbers (127.0.0.1).",
      "'127.1' is not an IP address Weft reads; write IPv4 addresses as four decimal numbers (127.0.0.1).",
      "'bad host' is not a host name, wildcard, IP address or CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'*.' is not a host name, wildcard, IP address or CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'10.0.0.1/8/2' is not a CIDR range; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8), without scheme, port or path.",
      "'*.-bad-' is not a wildcard of a domain; give a host name (intranet.example.com), a wildcard (*.example.com), an IP address (10.0.0.5) or a CIDR range (10.0.0.0/8).",
    ]);
  });
});

describe('egressRefusal', () => {
  it('refuses by default, with a message naming the host, the address, the range and what to do', () => {
    const refusal = egressRefusal(defaultEgressPolicy, 'metadata.internal', '169.254.169.254');
    expect(refusal).toBeInstanceOf(EgressRefusedError);
    expect(refusal).toMatchObject({
      code: 'EGRESS_ADDRESS_REFUSED',
      host: 'metadata.internal',
      address: '169.254.169.254',
      range: 'cloud-metadata',
    });
    expect(refusal?.message).toBe(
      "Refused to connect to metadata.internal (it resolves to 169.254.169.254): 169.254.169.254 is in the cloud metadata range. Weft does not call loopback, private-network, link-local or cloud-metadata addresses on a user's behalf, so that a URL typed into a configuration cannot reach internal services. If metadata.internal is a service Weft should call, ask the operator to add it to WEFT_EGRESS_ALLOW.",
    );
    expect(egressRefusal(defaultEgressPolicy, '::ffff:7f00:1', '::ffff:7f00:1')?.message).toContain(
      '::ffff:7f00:1 (an IPv4-mapped IPv6 form of 127.0.0.1) is in the loopback (this machine) range.',
    );
    expect(egressRefusal(defaultEgressPolicy, 'example.com', '93.184.216.34')).toBeUndefined();
  });

  it('opens exactly what the allow-list names', () => {
    const policy = egressPolicy('127.0.0.1,10.0.0.0/8,intranet.example.com,*.corp.example,fd00::/8');
    const allowed: Array<[string, string]> = [
      ['127.0.0.1', '127.0.0.1'],
      ['localhost', '127.0.0.1'],
      ['::ffff:7f00:1', '::ffff:7f00:1'], // the same destination as 127.0.0.1
      ['10.200.3.4', '10.200.3.4'],
      ['intranet.example.com', '192.168.7.7'], // a name opens whatever it resolves to
      ['INTRANET.example.com.', '192.168.7.7'],
      ['wiki.corp.example', '172.16.0.9'],
      ['a.b.corp.example', '169.254.169.254'],
      ['fd00::5', 'fd00::5'],
    ];
    for (const [host, address] of allowed) {
      expect(egressRefusal(policy, host, address), `${host} → ${address}`).toBeUndefined();
    }
    const refused: Array<[string, string]> = [
      ['127.0.0.2', '127.0.0.2'],
      ['::1', '::1'],
      ['11.0.0.1.nip.io', '192.168.0.1'],
      ['corp.example', '172.16.0.9'], // the wildcard opens names below the domain, not the domain
      ['evilcorp.example', '172.16.0.9'],
      ['intranet.example.com.evil.test', '192.168.0.1'],
      ['other.example.com', '169.254.169.254'],
    ];
    for (const [host, address] of refused) {
      expect(egressRefusal(policy, host, address), `${host} → ${address}`).toBeInstanceOf(EgressRefusedError);
    }
  });

  it('opens everything with *', () => {
    const policy = egressPolicy('*');
    for (const address of ['127.0.0.1', '169.254.169.254', '::1', '10.0.0.1']) {
      expect(egressRefusal(policy, address, address)).toBeUndefined();
    }
  });
});
