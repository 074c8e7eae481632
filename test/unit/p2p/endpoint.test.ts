import test from 'ava';
import { BufferReader, BufferWriter } from '../../../src/primitives/encoding.js';
import { DecodeError } from '../../../src/util/errors.js';
import { ENDPOINT_IPV4_BYTES, ENDPOINT_IPV6_BYTES, bytesToIp, ipToBytes, normalizeIp, readEndpoint, writeEndpoint } from '../../../src/p2p/discovery/endpoint.js';

test('IPv4 and IPv6 text <-> bytes', (t) => {
  t.deepEqual([...ipToBytes('192.168.0.255')], [192, 168, 0, 255]);
  t.is(ipToBytes('::1').length, 16);
  t.is(ipToBytes('::1')[15], 1);
  t.is(ipToBytes('2001:db8::8:800:200c:417a').toString('hex'), '20010db80000000000080800200c417a');
  t.is(ipToBytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
  t.throws(() => ipToBytes('example.com'), { instanceOf: RangeError });
  t.throws(() => ipToBytes('fe80::1%eth0'), { instanceOf: RangeError });
  t.throws(() => ipToBytes('1.2.3.256'), { instanceOf: RangeError });
});

test('IPv6 is printed in RFC 5952 form', (t) => {
  const cases: [string, string][] = [
    ['::1', '::1'],
    ['::', '::'],
    ['2001:0DB8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::', 'fe80::'],
    ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
  ];
  for (const [input, expected] of cases) t.is(bytesToIp(ipToBytes(input)), expected, input);
  t.is(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  t.is(normalizeIp('2001:DB8::1'), '2001:db8::1');
  // a link-local peer as a socket reports it (net.Socket#remoteAddress with the interface's zone)
  t.is(normalizeIp('fe80::88f9:f5ff:fe42:68ba%wtw0'), 'fe80::88f9:f5ff:fe42:68ba');
  t.is(normalizeIp('FE80::1%2'), 'fe80::1');
  t.throws(() => normalizeIp('1.2.3.4%eth0'), { instanceOf: RangeError });
  t.throws(() => normalizeIp('%eth0'), { instanceOf: RangeError });
});

test('endpoint encoding: family byte, address, LE ports', (t) => {
  const v4 = new BufferWriter();
  writeEndpoint(v4, { ip: '127.0.0.1', udpPort: 9000, tcpPort: 9001 });
  const b4 = v4.finish();
  t.is(b4.length, ENDPOINT_IPV4_BYTES);
  t.deepEqual([...b4], [4, 127, 0, 0, 1, 0x28, 0x23, 0x29, 0x23]);
  const v6 = new BufferWriter();
  writeEndpoint(v6, { ip: '::1', udpPort: 1, tcpPort: 2 });
  const b6 = v6.finish();
  t.is(b6.length, ENDPOINT_IPV6_BYTES);
  t.is(b6[0], 6);
  t.deepEqual(readEndpoint(new BufferReader(b6), 'e'), { ip: '::1', udpPort: 1, tcpPort: 2 });
  t.throws(() => writeEndpoint(new BufferWriter(), { ip: '1.2.3.4', udpPort: 70000, tcpPort: 1 }), { instanceOf: RangeError });
  t.throws(() => readEndpoint(new BufferReader(Buffer.from([5, 1, 2, 3, 4, 0, 0, 0, 0])), 'e'), { instanceOf: DecodeError });
  t.throws(() => readEndpoint(new BufferReader(b4.subarray(0, 7)), 'e'), { instanceOf: DecodeError });
});
