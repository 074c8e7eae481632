/**
 * The Advertiser's decisions not covered by nat-wiring.test.ts: a mapping that arrives or goes
 * while peers say we are behind a NAT, the way back from 'none', no discovery, and one log line
 * per change.
 */
import test from 'ava';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Advertiser } from '../../../src/node/advertise.js';
import type { AdvertisedEndpoint } from '../../../src/p2p/discovery/service-options.js';

function setup(withDiscovery = true) {
  const local: AdvertisedEndpoint = { ip: '0.0.0.0', udpPort: 9000, tcpPort: 9000 };
  const advertised: AdvertisedEndpoint[] = [];
  const listenPorts: Array<number | undefined> = [];
  const mappedPorts: Array<number | undefined> = [];
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  const advertiser = new Advertiser({
    p2p: { setAdvertisedListenPort: (p) => void listenPorts.push(p), setMappedPort: (p) => void mappedPorts.push(p) },
    discovery: withDiscovery ? { localEndpoint: local, setAdvertisedEndpoint: (e) => void advertised.push(e) } : undefined,
    logger: pino({ level: 'info' }, sink),
  });
  return { local, advertised, listenPorts, mappedPorts, lines, advertiser };
}

const MAPPING = { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9002 };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a mapping granted while peers cannot dial us: still nothing advertised, but the checks move to the mapped port; once it works, it is advertised', (t) => {
  const s = setup();
  s.advertiser.setReachability('behind-nat-port-preserving');
  s.advertiser.setMapping(MAPPING);
  t.deepEqual(s.mappedPorts, [9001], 'reachability checks now test the mapped port');
  t.deepEqual(s.advertised.at(-1), { ...s.local, tcpPort: 0 });
  t.is(s.listenPorts.at(-1), 0);
  s.advertiser.setReachability('mapped');
  t.deepEqual(s.advertised.at(-1), MAPPING);
  t.is(s.listenPorts.at(-1), 9001);
});

test('the mapping withdrawn while public: the local endpoint again; while behind a NAT: still nothing', (t) => {
  const s = setup();
  s.advertiser.setMapping(MAPPING);
  s.advertiser.setReachability('mapped');
  s.advertiser.setMapping(undefined);
  t.deepEqual(s.advertised.at(-1), s.local);
  t.is(s.listenPorts.at(-1), undefined, 'the bound port');
  t.deepEqual(s.mappedPorts, [9001, undefined]);
  s.advertiser.setReachability('behind-nat-symmetric');
  s.advertiser.setMapping(MAPPING);
  s.advertiser.setMapping(undefined);
  t.deepEqual(s.advertised.at(-1), { ...s.local, tcpPort: 0 });
  t.is(s.listenPorts.at(-1), 0);
});

test('from behind a NAT back to unknown (checks reset): the endpoint is advertised again until peers fail again', (t) => {
  const s = setup();
  s.advertiser.setReachability('behind-nat-port-preserving');
  s.advertiser.setReachability('unknown');
  t.deepEqual(s.advertised, [{ ...s.local, tcpPort: 0 }, s.local]);
  t.deepEqual(s.listenPorts, [0, undefined]);
});

test('without discovery only the handshake listen port changes', (t) => {
  const s = setup(false);
  s.advertiser.setReachability('behind-nat-symmetric');
  s.advertiser.setReachability('public');
  t.deepEqual(s.listenPorts, [0, undefined]);
  t.deepEqual(s.advertised, []);
});

test('one info line per change, none for a repeat', async (t) => {
  const s = setup();
  s.advertiser.setReachability('behind-nat-port-preserving');
  s.advertiser.setReachability('behind-nat-symmetric');
  s.advertiser.setMapping(MAPPING); // still 'none': no new line
  s.advertiser.setReachability('mapped');
  s.advertiser.setReachability('mapped');
  s.advertiser.setMapping(undefined);
  await flush();
  t.log(s.lines.join('\n'));
  t.is(s.lines.length, 3);
  t.regex(s.lines[0] ?? '', /^peers cannot dial this node/);
  t.regex(s.lines[1] ?? '', /^advertising the external endpoint 7\.7\.7\.1 \(tcp 9001, udp 9002\)/);
  t.regex(s.lines[2] ?? '', /^the external endpoint is gone/);
});
