/**
 * The simultaneous-open dialer on real sockets. TCP simultaneous open needs both SYNs in
 * flight at once; on plain loopback a SYN to a port nobody holds is answered by an RST at once,
 * so two calls in one process never overlap (seen: both end with ECONNREFUSED). The crossing
 * is therefore shown in a network namespace of this test's own where loopback RSTs are dropped
 * (root only; as a NAT that drops an unsolicited SYN does), which lets both SYNs meet.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PUNCH_MAX_CONNECTS_PER_TRY, PUNCH_REDIAL_DELAY_MS } from '../../../src/p2p/traversal/constants.js';
import { TraversalError } from '../../../src/p2p/traversal/errors.js';
import { freeLocalPort, simultaneousOpen } from '../../../src/p2p/traversal/simultaneous-open.js';

const run = promisify(execFile);

test('freeLocalPort returns a port that can be bound right after', async (t) => {
  const port = await freeLocalPort('127.0.0.1');
  t.true(port > 0 && port < 65_536);
  const server = createServer();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  t.is((server.address() as AddressInfo).port, port);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('connects from the chosen local port (what the far end is told through the relay)', async (t) => {
  const accepted: Socket[] = [];
  const server = createServer((s) => void accepted.push(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const s of accepted) s.destroy();
    server.close();
  });
  const localPort = await freeLocalPort();
  const socket = await simultaneousOpen({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, localPort, windowMs: 2_000 });
  t.teardown(() => socket.destroy());
  t.is(socket.localPort, localPort);
  t.is(socket.listenerCount('error'), 0, 'its connect-time error handler is gone (the session adds its own)');
  await waitUntil(() => accepted.length === 1);
  t.is(accepted[0]?.remotePort, localPort, 'the listener sees the chosen port');
});

test(`a closed port: redials within the window, at most ${PUNCH_MAX_CONNECTS_PER_TRY} connects, then rejects with a message naming address, port and last error`, async (t) => {
  const deadPort = await freeLocalPort('127.0.0.1');
  const localPort = await freeLocalPort();
  const windowMs = 700;
  const startedMs = Date.now();
  const err = await t.throwsAsync(simultaneousOpen({ host: '127.0.0.1', port: deadPort, localPort, windowMs }));
  const ms = Date.now() - startedMs;
  t.log(`rejected after ${ms} ms (window ${windowMs} ms): ${err?.message}`);
  // Loopback answers each SYN with a reset at once: the pauses between connects are the time spent.
  t.true(ms >= (PUNCH_MAX_CONNECTS_PER_TRY - 1) * PUNCH_REDIAL_DELAY_MS - 20, 'kept redialling');
  t.is(err?.message.startsWith(`no TCP connection to 127.0.0.1:${deadPort} from local port ${localPort} within ${windowMs} ms (`), true);
  t.regex(err?.message ?? '', /ECONNREFUSED/);
});

test(`a closed port and a long window: the connects run out (${PUNCH_MAX_CONNECTS_PER_TRY}) long before the window does`, async (t) => {
  const deadPort = await freeLocalPort('127.0.0.1');
  const windowMs = 20_000;
  const startedMs = Date.now();
  await t.throwsAsync(simultaneousOpen({ host: '127.0.0.1', port: deadPort, localPort: await freeLocalPort(), windowMs }), { message: /ECONNREFUSED/ });
  const ms = Date.now() - startedMs;
  t.log(`gave up after ${ms} ms of a ${windowMs} ms window`);
  t.true(ms < windowMs / 4, 'a lying relay aiming us at a closed port gets a few SYNs, not a stream for the whole window');
});

test('an abort ends the redial loop at once with "punch cancelled"', async (t) => {
  const deadPort = await freeLocalPort('127.0.0.1');
  const controller = new AbortController();
  const startedMs = Date.now();
  const pending = simultaneousOpen({ host: '127.0.0.1', port: deadPort, localPort: await freeLocalPort(), windowMs: 10_000, signal: controller.signal });
  setTimeout(() => controller.abort(), 200);
  const err = await t.throwsAsync(pending);
  t.log(`aborted after ${Date.now() - startedMs} ms: ${err?.message}`);
  t.true(Date.now() - startedMs < 5_000, 'well before the 10 s window');
  t.regex(err?.message ?? '', /punch cancelled|ECONNREFUSED/);
});

test('failures are TraversalErrors with stable codes: connect-failed (cause: the socket error), cancelled, no-free-port', async (t) => {
  const deadPort = await freeLocalPort('127.0.0.1');
  const failed = await t.throwsAsync(simultaneousOpen({ host: '127.0.0.1', port: deadPort, localPort: await freeLocalPort(), windowMs: 700 }), { instanceOf: TraversalError });
  t.is(failed?.code, 'punch-connect-failed');
  t.is((failed?.cause as NodeJS.ErrnoException | undefined)?.code, 'ECONNREFUSED', 'the retry logic still sees real errno codes');
  t.log(`${failed?.code}: ${failed?.message}`);

  const controller = new AbortController();
  controller.abort();
  const cancelled = await t.throwsAsync(simultaneousOpen({ host: '127.0.0.1', port: deadPort, localPort: await freeLocalPort(), windowMs: 5_000, signal: controller.signal }), { instanceOf: TraversalError });
  t.is(cancelled?.code, 'punch-cancelled');
  t.is(cancelled?.message, 'punch cancelled');

  // 192.0.2.1 (TEST-NET-1) is no address of ours: binding to it fails at once, nothing is sent
  const noPort = await t.throwsAsync(freeLocalPort('192.0.2.1'), { instanceOf: TraversalError });
  t.is(noPort?.code, 'no-free-port');
  t.is((noPort?.cause as NodeJS.ErrnoException | undefined)?.code, 'EADDRNOTAVAIL');
  t.log(`${noPort?.code}: ${noPort?.message}`);
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rootSkipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (it creates a network namespace)';
  try {
    await run('ip', ['-V']);
    await run('iptables-legacy', ['--version']);
  } catch {
    return 'needs iproute2 and iptables-legacy';
  }
  return undefined;
}

test('two calls dialling each other from chosen ports at the same moment both get one connected socket (TCP simultaneous open)', async (t) => {
  const skip = await rootSkipReason();
  if (skip !== undefined) {
    t.log(`skipped: ${skip}`);
    t.pass();
    return;
  }
  const ns = `wtt-so-${process.pid}`;
  t.teardown(async () => {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  });
  await run('ip', ['netns', 'add', ns]);
  const inNs = (cmd: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, cmd, ...args]);
  await inNs('ip', 'link', 'set', 'lo', 'up');
  await inNs('iptables-legacy', '-A', 'OUTPUT', '-o', 'lo', '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'DROP');
  const child = fileURLToPath(new URL('./simultaneous-open-child.js', import.meta.url));
  const rounds = 5;
  let ok = 0;
  for (let i = 0; i < rounds; i++) {
    const { stdout } = await inNs(process.execPath, child, '3000');
    const r = JSON.parse(stdout) as { ports: [number, number]; ms: number; out: Array<{ ok: boolean; localPort?: number; remotePort?: number; error?: string }>; echoed: boolean };
    t.log(`round ${i + 1}: ${r.ms} ms ${JSON.stringify(r.out)}`);
    const [a, b] = r.ports;
    t.deepEqual(r.out, [{ ok: true, localPort: a, remotePort: b }, { ok: true, localPort: b, remotePort: a }]);
    t.true(r.echoed, 'one connection: a byte written on one socket arrives on the other');
    if (r.out.every((o) => o.ok)) ok++;
  }
  t.log(`simultaneous open: ${ok}/${rounds}`);

  // A SYN nobody answers (the port's RST is dropped): the window closes on the connect in flight.
  const windowMs = 600;
  const { stdout } = await inNs(process.execPath, child, String(windowMs), 'dead');
  const dead = JSON.parse(stdout) as { ms: number; traversalError: boolean; code?: string; message: string; causeCode?: string };
  t.log(`unanswered SYN: ${JSON.stringify(dead)}`);
  t.true(dead.traversalError);
  t.is(dead.code, 'punch-connect-failed');
  t.is(dead.causeCode, 'punch-window-closed');
  t.regex(dead.message, new RegExp(`within ${windowMs} ms \\(no connection within the window\\)$`));
  t.true(dead.ms >= windowMs - 50, `gave up after ${dead.ms} ms`);
});
