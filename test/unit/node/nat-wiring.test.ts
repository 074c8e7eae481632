import test from 'ava';
import { EventEmitter } from 'node:events';
import { type AdvertisedEndpoint } from '../../../src/p2p/discovery/service-options.js';
import { type ExternalEndpoint, type NatState, disabledNatState } from '../../../src/p2p/nat/index.js';
import { Advertiser } from '../../../src/node/advertise.js';
import { type NatLike, startNodeNat } from '../../../src/node/nat.js';
import { silentLogger } from '../../../src/util/logger.js';

/** A NatService stand-in: start() resolves when the test says so; events are emitted by hand. */
class FakeNat extends EventEmitter<{ endpoint: [ExternalEndpoint | undefined] }> implements NatLike {
  started = 0;
  stopped = 0;
  private finish: ((s: NatState) => void) | undefined;
  current: NatState = { ...disabledNatState(), enabled: true };
  start(): Promise<NatState> {
    this.started++;
    return new Promise((resolve) => (this.finish = resolve));
  }
  resolveStart(): void {
    this.finish?.(this.current);
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
  state(): NatState {
    return this.current;
  }
}

function setup(withDiscovery = true) {
  const nat = new FakeNat();
  const local: AdvertisedEndpoint = { ip: '0.0.0.0', udpPort: 9000, tcpPort: 9000 };
  const advertised: AdvertisedEndpoint[] = [];
  const listenPorts: Array<number | undefined> = [];
  const created: Array<{ tcpPort: number; udpPort: number }> = [];
  const mappedPorts: Array<number | undefined> = [];
  const advertiser = new Advertiser({
    p2p: { setAdvertisedListenPort: (port) => void listenPorts.push(port), setMappedPort: (port) => void mappedPorts.push(port) },
    discovery: withDiscovery ? { localEndpoint: local, setAdvertisedEndpoint: (e) => void advertised.push(e) } : undefined,
    logger: silentLogger(),
  });
  const handle = startNodeNat({
    tcpPort: 9000,
    udpPort: withDiscovery ? 9000 : undefined,
    advertiser,
    logger: silentLogger(),
    createNat: (ports) => {
      created.push({ tcpPort: ports.tcpPort, udpPort: ports.udpPort });
      // The wiring must subscribe before start(): an endpoint emitted right now must not be lost.
      queueMicrotask(() => nat.emit('endpoint', { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9002 }));
      return nat;
    },
  });
  return { nat, local, advertised, listenPorts, mappedPorts, created, handle, advertiser };
}

test('maps the bound ports, starts in the background and advertises the external endpoint in discovery and handshakes', async (t) => {
  const s = setup();
  t.deepEqual(s.created, [{ tcpPort: 9000, udpPort: 9000 }]);
  t.is(s.nat.started, 1, 'start() is called at once');
  t.true(s.handle.state().searching, 'searching until start() resolves');
  await Promise.resolve();
  t.deepEqual(s.advertised, [{ ip: '7.7.7.1', tcpPort: 9001, udpPort: 9002 }]);
  t.deepEqual(s.listenPorts, [9001]);
  s.nat.resolveStart();
  await new Promise((resolve) => setImmediate(resolve));
  t.false(s.handle.state().searching);
  t.true(s.handle.state().enabled);
});

test('an endpoint withdrawn (lease lapsed) restores the local endpoint and the bound listen port', async (t) => {
  const s = setup();
  await Promise.resolve();
  s.nat.emit('endpoint', undefined);
  t.deepEqual(s.advertised, [{ ip: '7.7.7.1', tcpPort: 9001, udpPort: 9002 }, s.local]);
  t.deepEqual(s.listenPorts, [9001, undefined]);
});

test('stop() removes the mappings through the NAT service', async (t) => {
  const s = setup();
  await s.handle.stop();
  t.is(s.nat.stopped, 1);
});

test('without discovery the UDP mapping uses the TCP port number and only the handshake port changes', async (t) => {
  const s = setup(false);
  t.deepEqual(s.created, [{ tcpPort: 9000, udpPort: 9000 }]);
  await Promise.resolve();
  t.deepEqual(s.listenPorts, [9001]);
  t.deepEqual(s.advertised, []);
});

test('the mapped port is what reachability checks test; a withdrawn mapping tells the checks too', async (t) => {
  const s = setup();
  await Promise.resolve();
  s.nat.emit('endpoint', undefined);
  t.deepEqual(s.mappedPorts, [9001, undefined]);
});

test('peers that cannot dial us back outrank the mapping: no TCP endpoint is advertised, and it comes back when they can', async (t) => {
  const s = setup();
  await Promise.resolve();
  s.advertiser.setReachability('behind-nat-port-preserving');
  t.deepEqual(s.advertised.at(-1), { ...s.local, tcpPort: 0 }, 'discovery advertises tcp port 0: do not dial');
  t.is(s.listenPorts.at(-1), 0, 'handshakes announce listen port 0');
  s.advertiser.setReachability('mapped');
  t.deepEqual(s.advertised.at(-1), { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9002 });
  t.is(s.listenPorts.at(-1), 9001);
});

test('without a mapping a node behind a NAT advertises nothing, and its local endpoint again once reachable', (t) => {
  const listenPorts: Array<number | undefined> = [];
  const advertised: AdvertisedEndpoint[] = [];
  const local: AdvertisedEndpoint = { ip: '0.0.0.0', udpPort: 9000, tcpPort: 9000 };
  const a = new Advertiser({
    p2p: { setAdvertisedListenPort: (port) => void listenPorts.push(port), setMappedPort: () => undefined },
    discovery: { localEndpoint: local, setAdvertisedEndpoint: (e) => void advertised.push(e) },
    logger: silentLogger(),
  });
  a.setReachability('unknown');
  t.deepEqual(listenPorts, [], 'unknown changes nothing: the node keeps advertising until peers say otherwise');
  a.setReachability('behind-nat-symmetric');
  a.setReachability('behind-nat-port-preserving');
  t.deepEqual(listenPorts, [0], 'one change for two unreachable verdicts');
  a.setReachability('public');
  t.deepEqual(listenPorts, [0, undefined]);
  t.deepEqual(advertised, [{ ...local, tcpPort: 0 }, local]);
});
