import test from 'ava';
import { HostPortError, formatHostPort, hostPortProblem, parseHostPort } from '../../../src/node/host-port.js';

test('host:port parses IPv4, names and bracketed IPv6, and formats back', (t) => {
  t.deepEqual(parseHostPort('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 });
  t.deepEqual(parseHostPort(' seed-1.example.org:65535 '), { host: 'seed-1.example.org', port: 65535 });
  t.deepEqual(parseHostPort('[::1]:1'), { host: '::1', port: 1 });
  t.is(formatHostPort({ host: '::1', port: 1 }), '[::1]:1');
  t.is(formatHostPort(parseHostPort('10.0.0.2:9001')), '10.0.0.2:9001');
});

test('bad host:port strings get a message saying what is wrong', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['127.0.0.1', /is not a host:port address/],
    ['::1:9000', /is not a host:port address/],
    [':9000', /is not a host:port address/],
    ['host:', /the port must be a number from 1 to 65535/],
    ['host:0', /the port must be a number from 1 to 65535/],
    ['host:65536', /the port must be a number from 1 to 65535/],
    ['host:9x', /the port must be a number/],
    ['-bad-:9000', /is neither an IP address nor a host name/],
    ['[1.2.3.4]:9000', /in brackets is not an IPv6 address/],
  ];
  for (const [text, pattern] of cases) {
    const err = t.throws(() => parseHostPort(text), { instanceOf: HostPortError }, text);
    t.regex(err?.message ?? '', pattern, text);
    t.is(err?.code, 'invalid-host-port');
    t.is(hostPortProblem(text), err?.message);
  }
  t.is(hostPortProblem('1.2.3.4:5'), undefined);
});
