import test from 'ava';
import { type AddressClass, classifyAddress, hostKey, netGroup, samePublicNetGroup } from '../../../src/p2p/netgroup.js';

test('addresses are loopback, private (RFC 1918, link-local, ULA, CGNAT) or public', (t) => {
  const table: Array<[string, AddressClass]> = [
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['172.15.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.1.1', 'public'],
    ['169.254.0.5', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['100.128.0.1', 'public'],
    ['100.63.0.1', 'public'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['febf::1', 'private'],
    ['fec0::1', 'public'],
    ['2001:db8::1', 'public'],
    ['8.8.8.8', 'public'],
    ['::', 'public'],
  ];
  for (const [ip, cls] of table) t.is(classifyAddress(ip), cls, ip);
});

test('netgroups: /16 of IPv4, /32 of IPv6, one group per non-public class', (t) => {
  t.is(netGroup('1.2.3.4'), '1.2.0.0/16');
  t.is(netGroup('1.2.200.9'), '1.2.0.0/16');
  t.not(netGroup('1.3.0.1'), netGroup('1.2.0.1'));
  t.is(netGroup('2001:db8:1::1'), '2001:db8::/32');
  t.is(netGroup('2001:db8:ffff::2'), '2001:db8::/32');
  t.not(netGroup('2001:db9::1'), netGroup('2001:db8::1'));
  t.is(netGroup('10.0.0.1'), 'private');
  t.is(netGroup('127.0.0.1'), 'loopback');
  t.is(netGroup('127.0.0.2', () => 'public' as const), '127.0.0.0/16', 'the classifier decides what is public');
});

test('a per-host limit keys IPv4 by the address and IPv6 by its /64', (t) => {
  t.is(hostKey('7.7.7.7'), '7.7.7.7');
  t.is(hostKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
  t.is(hostKey('2001:db8:1:2:ffff:1:2:3'), '2001:db8:1:2::/64');
  t.is(hostKey('2001:db8::5'), '2001:db8:0:0::/64');
  t.not(hostKey('2001:db8:1:3::1'), hostKey('2001:db8:1:2::1'));
});

test('samePublicNetGroup agrees with comparing netGroup strings, without building them for IPv4', (t) => {
  const ips = ['1.2.3.4', '1.2.200.9', '1.3.0.1', '0.2.3.4', '12.2.3.4', '1.22.3.4', '255.255.0.1', '255.255.9.9', '8.8.8.8', '10.0.0.1', '10.0.9.9', '127.0.0.1', '2001:db8:1::1', '2001:db8:ffff::2', '2001:db9::1', 'fe80::1'];
  for (const a of ips) {
    for (const b of ips) {
      const expected = classifyAddress(a) === 'public' && classifyAddress(b) === 'public' && netGroup(a) === netGroup(b);
      t.is(samePublicNetGroup(a, b), expected, `${a} ${b}`);
    }
  }
  const allPublic = () => 'public' as const;
  t.true(samePublicNetGroup('127.0.0.2', '127.0.9.9', allPublic), 'the classifier decides what is public');
  t.false(samePublicNetGroup('127.0.0.2', '127.1.0.2', allPublic));
});

test('the in-place IPv4 parse reads every first and second octet', (t) => {
  for (const a of [0, 1, 9, 10, 99, 100, 127, 169, 172, 192, 255]) {
    for (const b of [0, 7, 16, 31, 64, 127, 168, 254, 255]) t.is(netGroup(`${a}.${b}.3.4`, () => 'public' as const), `${a}.${b}.0.0/16`);
  }
});
