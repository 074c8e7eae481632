import test from 'ava';
import { NO_GATEWAY_MESSAGE, NatService, isNonPublicIPv4, type ExternalEndpoint } from '../../../src/p2p/nat/index.js';
import { FakeMapper, FakeScheduler, capturingLogger, fakeFactory, flush } from './fakes.js';

const PORT = 9000;

function service(options: { mappers: ReturnType<typeof fakeFactory>[]; leaseSec?: number; now?: { ms: number }; scheduler?: FakeScheduler; discoveryTimeoutMs?: number }) {
  const log = capturingLogger();
  const now = options.now ?? { ms: 1_000_000 };
  const nat = new NatService({
    tcpPort: PORT,
    udpPort: PORT,
    logger: log.logger,
    mappers: options.mappers,
    leaseSec: options.leaseSec ?? 100,
    nowMs: () => now.ms,
    scheduler: options.scheduler ?? new FakeScheduler(),
    discoveryTimeoutMs: options.discoveryTimeoutMs ?? 50,
  });
  return { nat, log, now };
}

test('prefers nat-upnp (IGDv1) when several gateways answer, and closes the others', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1');
  const v2 = new FakeMapper('upnp-igdv2');
  const pmp = new FakeMapper('nat-pmp');
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1), fakeFactory('upnp-igdv2', v2), fakeFactory('nat-pmp', pmp)] });
  const state = await nat.start();
  t.is(state.protocol, 'upnp-igdv1');
  t.deepEqual(state.externalEndpoint, { ip: '7.7.7.1', tcpPort: PORT, udpPort: PORT });
  t.false(v1.closed);
  t.true(v2.closed && pmp.closed);
  t.deepEqual(v2.calls, ['close'], 'an unused gateway is never asked to map');
});

test('falls back in order: no IGDv1, IGDv2 refuses, NAT-PMP maps', async (t) => {
  const order: string[] = [];
  const v2 = new FakeMapper('upnp-igdv2', { refuse: true });
  const pmp = new FakeMapper('nat-pmp');
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', undefined, order), fakeFactory('upnp-igdv2', v2, order), fakeFactory('nat-pmp', pmp, order)] });
  const state = await nat.start();
  t.deepEqual(order, ['upnp-igdv1', 'upnp-igdv2', 'nat-pmp']);
  t.is(state.protocol, 'nat-pmp');
  t.true(state.reachable);
  t.true(v2.closed, 'the refusing gateway is closed');
  t.true(v2.calls.some((c) => c.startsWith('map TCP')));
  t.deepEqual([...pmp.table.keys()].sort(), ['TCP:9000', 'UDP:9000']);
});

test('a taken external port moves to the next one the router grants', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1', { taken: ['TCP:9000', 'TCP:9001'] });
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1)] });
  const state = await nat.start();
  t.deepEqual(state.externalEndpoint, { ip: '7.7.7.1', tcpPort: 9002, udpPort: 9000 });
  t.deepEqual(
    state.mappedPorts.map((m) => `${m.protocol} ${m.internal}->${m.external}`),
    ['TCP 9000->9002', 'UDP 9000->9000'],
  );
});

test('gives up on a protocol after the port attempts and tries the next gateway', async (t) => {
  const taken = Array.from({ length: 5 }, (_, i) => `TCP:${PORT + i}`);
  const v1 = new FakeMapper('upnp-igdv1', { taken });
  const pmp = new FakeMapper('nat-pmp');
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1), fakeFactory('nat-pmp', pmp)] });
  const state = await nat.start();
  t.is(v1.calls.filter((c) => c.startsWith('map TCP')).length, 5);
  t.is(state.protocol, 'nat-pmp');
});

test('renews at 60 % of the lease with the same external ports, then again', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1');
  const scheduler = new FakeScheduler();
  const { nat, now } = service({ mappers: [fakeFactory('upnp-igdv1', v1)], scheduler, leaseSec: 100 });
  const state = await nat.start();
  t.is(state.mappedPorts[0]?.leaseExpiresAt, now.ms + 100_000);
  t.deepEqual(scheduler.live.map((s) => s.delayMs), [60_000]);
  v1.calls.length = 0;
  now.ms += 60_000;
  scheduler.fire();
  await flush();
  await flush();
  t.deepEqual(v1.calls, ['externalIp', 'map TCP 9000->9000 ttl=100', 'map UDP 9000->9000 ttl=100']);
  t.is(nat.state().mappedPorts[0]?.leaseExpiresAt, now.ms + 100_000);
  t.deepEqual(scheduler.live.map((s) => s.delayMs), [60_000], 'the next renewal is scheduled');
});

test('a failed renewal is retried; when the lease lapses the endpoint is withdrawn', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1');
  const scheduler = new FakeScheduler();
  const { nat, now } = service({ mappers: [fakeFactory('upnp-igdv1', v1)], scheduler, leaseSec: 100 });
  const endpoints: Array<ExternalEndpoint | undefined> = [];
  nat.on('endpoint', (e) => endpoints.push(e));
  await nat.start();
  v1.failMaps = true;
  now.ms += 60_000;
  scheduler.fire();
  await flush();
  await flush();
  const [retry] = scheduler.live;
  t.truthy(retry);
  t.true((retry?.delayMs ?? Infinity) <= 20_000, 'retried before the remaining 40 s of lease run out');
  t.true(nat.state().reachable);
  now.ms += 41_000; // lease over
  scheduler.fire();
  await flush();
  await flush();
  t.false(nat.state().reachable);
  t.deepEqual(nat.state().mappedPorts, []);
  t.deepEqual(endpoints, [{ ip: '7.7.7.1', tcpPort: PORT, udpPort: PORT }, undefined]);
  t.is(scheduler.live.length, 1, 'keeps trying');
});

test('leaseSec 0 (router only does permanent mappings): no renewal, no expiry', async (t) => {
  const scheduler = new FakeScheduler();
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', new FakeMapper('upnp-igdv1'))], scheduler, leaseSec: 0 });
  const state = await nat.start();
  t.is(scheduler.live.length, 0);
  t.is(state.mappedPorts[0]?.leaseExpiresAt, undefined);
  t.true(state.reachable);
});

test('stop removes both mappings at their external ports, closes the client, cancels renewal', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1', { taken: ['TCP:9000'] });
  const scheduler = new FakeScheduler();
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1)], scheduler });
  await nat.start();
  await nat.stop();
  t.deepEqual(v1.calls.slice(-3), ['unmap TCP 9001', 'unmap UDP 9000', 'close']);
  t.deepEqual([...v1.table.keys()], ['TCP:9000'], "only the other host's mapping is left");
  t.is(scheduler.live.length, 0);
  t.false(nat.state().gatewayFound);
  await nat.stop(); // idempotent
});

test('stop during start leaves no mapping behind', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1');
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1)] });
  const starting = nat.start();
  await nat.stop();
  await starting;
  t.deepEqual([...v1.table.keys()], []);
  t.true(v1.closed);
});

test('double NAT: a private external address is reported and not advertised', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1', { externalIp: '100.64.3.4' });
  const { nat, log } = service({ mappers: [fakeFactory('upnp-igdv1', v1)] });
  let emitted = false;
  nat.on('endpoint', () => (emitted = true));
  const state = await nat.start();
  t.true(state.gatewayFound);
  t.true(state.doubleNat);
  t.false(state.reachable);
  t.is(state.externalEndpoint, undefined);
  t.false(emitted);
  t.true(log.entries().some((e) => e.level === 30 && e.msg.includes('double NAT')));
});

test('isNonPublicIPv4 covers private, CGNAT and reserved ranges', (t) => {
  for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '100.127.255.255', '127.0.0.1', '169.254.1.1', '203.0.113.5']) t.true(isNonPublicIPv4(ip), ip);
  for (const ip of ['7.7.7.1', '8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '11.0.0.1']) t.false(isNonPublicIPv4(ip), ip);
});

test('no gateway: one info line, no error, within the discovery time bound', async (t) => {
  const { nat, log } = service({
    mappers: [fakeFactory('upnp-igdv1', undefined), fakeFactory('upnp-igdv2', undefined), fakeFactory('nat-pmp', undefined)],
    discoveryTimeoutMs: 100,
  });
  const t0 = Date.now();
  const state = await nat.start();
  const tookMs = Date.now() - t0;
  t.true(tookMs < 250, `discoveries run in parallel: took ${tookMs} ms`);
  t.false(state.gatewayFound);
  t.false(state.reachable);
  const visible = log.entries().filter((e) => e.level >= 30);
  t.deepEqual(visible.map((e) => e.msg), [NO_GATEWAY_MESSAGE]);
  await nat.stop();
});

test('a gateway reporting no usable external address is skipped', async (t) => {
  const v1 = new FakeMapper('upnp-igdv1', { externalIp: '0.0.0.0' });
  const pmp = new FakeMapper('nat-pmp');
  const { nat } = service({ mappers: [fakeFactory('upnp-igdv1', v1), fakeFactory('nat-pmp', pmp)] });
  t.is((await nat.start()).protocol, 'nat-pmp');
  t.false(v1.calls.some((c) => c.startsWith('map')));
});

test('start twice throws a typed error', async (t) => {
  const { nat } = service({ mappers: [] });
  await nat.start();
  t.throws(() => nat.start(), { instanceOf: Error, message: /already started/ });
});
