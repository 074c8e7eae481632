/**
 * TCP simultaneous open from a chosen local port. Node's net module cannot set SO_REUSEADDR /
 * SO_REUSEPORT on an outgoing socket, so the C program's trick (dial from the listening port)
 * does not carry over; instead each punch try takes a fresh free port, announces it through
 * the relay, and connects from it — a NAT that preserves ports then shows the far end the very
 * port we announced. Both ends connect at the agreed moment; the SYNs cross and each NAT sees
 * an outgoing connection. A NAT that answered one early SYN with a reset makes connect() fail
 * with ECONNREFUSED: we connect again from the same port until the window closes.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../util/errors.js';
import { PUNCH_MAX_CONNECTS_PER_TRY, PUNCH_REDIAL_DELAY_MS } from './constants.js';
import { TraversalError } from './errors.js';

/** Errors after which a new connect from the same port may still succeed within the window. */
const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EADDRINUSE', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** A local port that is free now (the kernel picks it; we let go of it at once and connect from it soon after). */
export async function freeLocalPort(host = '0.0.0.0'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new TraversalError('no-free-port', `no free local port on ${host}: ${errorMessage(err)}`, { cause: err })));
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface SimultaneousOpenOptions {
  readonly host: string;
  readonly port: number;
  readonly localPort: number;
  /** Give up after this long (the whole loop, retries included). */
  readonly windowMs: number;
  readonly signal?: AbortSignal | undefined;
}

function connectOnce(host: string, port: number, localPort: number, deadlineMs: number, signal: AbortSignal | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localPort });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new TraversalError('punch-cancelled', 'punch cancelled'));
    const timer = setTimeout(() => fail(new TraversalError('punch-window-closed', 'no connection within the window')), Math.max(1, deadlineMs - Date.now()));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', fail);
  });
}

/** Connects to host:port from localPort, retrying within the window; rejects with the last error. */
export async function simultaneousOpen(options: SimultaneousOpenOptions): Promise<Socket> {
  const { host, port, localPort, windowMs, signal } = options;
  const deadlineMs = Date.now() + windowMs;
  let lastError: unknown;
  // The window may close during a redial: the refusal before it is still what the caller needs to hear.
  let lastSocketError: unknown;
  for (let connects = 0; connects < PUNCH_MAX_CONNECTS_PER_TRY && Date.now() < deadlineMs && !signal?.aborted; connects++) {
    try {
      return await connectOnce(host, port, localPort, deadlineMs, signal);
    } catch (err) {
      lastError = err;
      if (!(err instanceof TraversalError)) lastSocketError = err;
      // A TraversalError (window closed, cancelled) has no errno code in RETRYABLE: it ends the loop.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined || !RETRYABLE.has(code) || code === 'ETIMEDOUT') break;
      await sleep(PUNCH_REDIAL_DELAY_MS);
    }
  }
  if (signal?.aborted) throw new TraversalError('punch-cancelled', 'punch cancelled');
  let last = lastError === undefined ? 'no try made' : errorMessage(lastError);
  if (lastSocketError !== undefined && lastSocketError !== lastError) last += `; the last connect before it: ${errorMessage(lastSocketError)}`;
  const cause = lastSocketError ?? lastError;
  throw new TraversalError('punch-connect-failed', `no TCP connection to ${host}:${port} from local port ${localPort} within ${windowMs} ms (${last})`, cause === undefined ? undefined : { cause });
}
