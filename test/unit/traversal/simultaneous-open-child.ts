/**
 * Run by simultaneous-open.test.ts inside a network namespace of its own: two simultaneousOpen
 * calls on loopback, each from its own chosen port to the other's, at the same moment. Prints
 * one JSON line: what each call got. With "dead" as the second argument: one call to a port
 * nobody holds (its RST is dropped, so the SYN goes unanswered), and the error it ends with.
 */
import { TraversalError } from '../../../src/p2p/traversal/errors.js';
import { freeLocalPort, simultaneousOpen } from '../../../src/p2p/traversal/simultaneous-open.js';

const windowMs = Number(process.argv[2] ?? 3_000);
if (process.argv[3] === 'dead') {
  const startedMs = Date.now();
  const err: unknown = await simultaneousOpen({ host: '127.0.0.1', port: await freeLocalPort('127.0.0.1'), localPort: await freeLocalPort('127.0.0.1'), windowMs }).then(
    (socket) => {
      socket.destroy();
      return undefined;
    },
    (e: unknown) => e,
  );
  const cause = err instanceof Error ? err.cause : undefined;
  process.stdout.write(`${JSON.stringify({
    ms: Date.now() - startedMs,
    traversalError: err instanceof TraversalError,
    code: err instanceof TraversalError ? err.code : undefined,
    message: err instanceof Error ? err.message : String(err),
    causeCode: cause instanceof TraversalError ? cause.code : undefined,
  })}\n`);
  process.exit(0);
}
const a = await freeLocalPort('127.0.0.1');
const b = await freeLocalPort('127.0.0.1');
const startedMs = Date.now();
const settled = await Promise.allSettled([
  simultaneousOpen({ host: '127.0.0.1', port: b, localPort: a, windowMs }),
  simultaneousOpen({ host: '127.0.0.1', port: a, localPort: b, windowMs }),
]);
const ms = Date.now() - startedMs;
const out = settled.map((r) => (r.status === 'fulfilled' ? { ok: true, localPort: r.value.localPort, remotePort: r.value.remotePort } : { ok: false, error: String((r.reason as Error).message) }));
// The two ends of one connection: a byte written on one arrives on the other.
let echoed = false;
if (settled[0]?.status === 'fulfilled' && settled[1]?.status === 'fulfilled') {
  const [x, y] = [settled[0].value, settled[1].value];
  echoed = await new Promise<boolean>((resolve) => {
    y.once('data', (d: Buffer) => resolve(d.toString() === 'hi'));
    x.write('hi');
    setTimeout(() => resolve(false), 2_000).unref();
  });
  x.destroy();
  y.destroy();
}
process.stdout.write(`${JSON.stringify({ ports: [a, b], ms, out, echoed })}\n`);
