import test from 'ava';
import { formatNat, natSummary } from '../../../src/cli/format-nat.js';
import { format } from '../../../src/cli/format.js';

const mapped = {
  enabled: true,
  searching: false,
  gatewayFound: true,
  protocol: 'upnp-igdv2',
  externalIp: '7.7.7.1',
  mappedPorts: [
    { protocol: 'TCP', internal: 9000, external: 9001, leaseExpiresAt: '2030-01-02T03:04:05.000Z' },
    { protocol: 'UDP', internal: 9000, external: 9000, leaseExpiresAt: null },
  ],
  doubleNat: false,
  reachable: true,
  externalEndpoint: { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9000 },
};

test('cli nat: a mapped node shows gateway, protocol, external address, ports with lease expiry and the advertised endpoint', (t) => {
  t.is(
    formatNat(mapped),
    [
      'gateway: found (UPnP IGDv2)',
      'external address: 7.7.7.1',
      'mapped ports:',
      '  TCP 9001 -> 9000  lease expires 2030-01-02T03:04:05.000Z',
      '  UDP 9000 -> 9000  permanent',
      'advertised to peers: 7.7.7.1 (tcp 9001, udp 9000)',
    ].join('\n'),
  );
  t.is(natSummary(mapped), 'UPnP IGDv2, reachable at 7.7.7.1 (tcp 9001, udp 9000)');
});

test('cli nat: double NAT is a warning and nothing external is advertised', (t) => {
  const double = { ...mapped, protocol: 'nat-pmp', externalIp: '10.0.0.2', doubleNat: true, reachable: false, externalEndpoint: null };
  const out = formatNat(double);
  t.regex(out, /^gateway: found \(NAT-PMP\)/);
  t.regex(out, /warning: double NAT — the router's external address 10\.0\.0\.2 is itself private/);
  t.regex(out, /advertised: the local endpoint only; inbound peers can reach this node only if its port is forwarded by hand/);
  t.is(natSummary(double), 'NAT-PMP, double NAT (external 10.0.0.2 is private): not advertised');
});

test('cli nat: off, searching and no gateway each say so in one line', (t) => {
  const off = { ...mapped, enabled: false, gatewayFound: false, mappedPorts: [], externalEndpoint: null };
  t.regex(formatNat(off), /^NAT port mapping is off \(--no-upnp/);
  t.is(natSummary(off), 'off');
  t.regex(formatNat({ ...off, enabled: true, searching: true }), /still looking for a UPnP\/NAT-PMP gateway/);
  const none = { ...off, enabled: true };
  t.is(formatNat(none), 'gateway: none found (tried UPnP IGDv1, UPnP IGDv2, NAT-PMP); inbound peers can reach this node only if its port is forwarded by hand (see docs/nat.md)');
  t.is(natSummary(none), 'no UPnP/NAT-PMP gateway found');
});

test('getinfo prints the nat field as its one-line summary', (t) => {
  t.is(format.getinfo({ height: 3, nat: mapped }), 'height: 3\nnat: UPnP IGDv2, reachable at 7.7.7.1 (tcp 9001, udp 9000)');
});
