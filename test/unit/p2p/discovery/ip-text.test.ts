import test from 'ava';
import { BufferReader, BufferWriter } from '../../../../src/primitives/encoding.js';
import { readEndpoint, writeEndpoint } from '../../../../src/p2p/discovery/endpoint.js';
import { Ipv4Texts } from '../../../../src/p2p/discovery/ip-text.js';

test('an IPv4 text is built once and then shared', (t) => {
  const texts = new Ipv4Texts(4);
  const first = texts.text(203, 0, 113, 7);
  t.is(first, '203.0.113.7');
  t.is(texts.text(203, 0, 113, 7), first);
  t.is(texts.size, 1);
  // Octets whose key would collide if combined carelessly (255 << 24 is negative as an int32).
  t.is(texts.text(255, 255, 255, 255), '255.255.255.255');
  t.is(texts.text(0, 0, 0, 0), '0.0.0.0');
  t.is(texts.text(1, 0, 0, 0), '1.0.0.0');
  t.is(texts.text(0, 0, 0, 1), '0.0.0.1');
  t.is(texts.size, 4);
});

test('the table keeps at most maxEntries texts, forgetting the oldest', (t) => {
  const texts = new Ipv4Texts(3);
  for (let d = 0; d < 10; d++) t.is(texts.text(10, 0, 0, d), `10.0.0.${d}`);
  t.is(texts.size, 3);
  // A forgotten address is built again, correctly.
  t.is(texts.text(10, 0, 0, 0), '10.0.0.0');
  t.is(texts.size, 3);
  t.throws(() => new Ipv4Texts(0), { instanceOf: RangeError });
});

test('endpoints decoded through the shared table read back as written', (t) => {
  const bytes = writeEndpoint(writeEndpoint(new BufferWriter(), { ip: '198.51.100.23', udpPort: 1, tcpPort: 2 }), { ip: '198.51.100.23', udpPort: 3, tcpPort: 4 }).finish();
  const r = new BufferReader(bytes);
  const a = readEndpoint(r, 'a');
  const b = readEndpoint(r, 'b');
  t.deepEqual(a, { ip: '198.51.100.23', udpPort: 1, tcpPort: 2 });
  t.deepEqual(b, { ip: '198.51.100.23', udpPort: 3, tcpPort: 4 });
});
