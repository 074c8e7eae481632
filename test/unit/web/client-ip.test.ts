import test from 'ava';
import { clientIpKey, isLoopbackIp } from '../../../src/web/client-ip.js';

test('clients are counted per IPv4 address and per IPv6 /64, whatever the spelling', (t) => {
  t.is(clientIpKey('192.0.2.7'), '192.0.2.7');
  t.is(clientIpKey('::ffff:192.0.2.7'), '192.0.2.7', 'IPv4-mapped is the IPv4 address');
  const key = clientIpKey('2001:db8:1:2::1');
  t.is(key, '2001:db8:1:2::/64');
  for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2::1%eth0', '2001:db8:1:2:0:0:192.0.2.1']) t.is(clientIpKey(same), key, same);
  t.not(clientIpKey('2001:db8:1:3::1'), key, 'another /64 is another host');
  t.is(clientIpKey('::1'), '0:0:0:0::/64');
  t.is(clientIpKey(undefined), '?');
});

test('loopback: 127.0.0.0/8 and ::1, also IPv4-mapped; nothing else', (t) => {
  for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) t.true(isLoopbackIp(a), a);
  for (const a of ['192.0.2.1', '::ffff:192.0.2.1', '2001:db8::1', '::', '128.0.0.1', undefined]) t.false(isLoopbackIp(a), String(a));
});

test('one host key for the status page and the peer layer (src/util/ip.ts): same /64, same IPv4', async (t) => {
  const { hostKey } = await import('../../../src/p2p/netgroup.js');
  for (const ip of ['192.0.2.7', '2001:db8:1:2::1', '2001:db8:1:2:0:0:192.0.2.1', '::1']) t.is(clientIpKey(ip), hostKey(ip), ip);
  t.is(hostKey('2001:db8:1:2::1'), '2001:db8:1:2::/64');
});
