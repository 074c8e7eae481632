import test from 'ava';
import { type AddressClass, classifyAddress, hostKey, netGroup } from '../../../src/p2p/netgroup.js';

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
