/**
 * Small TCP tools run inside the punch lab's namespaces (no node involved), to prove what the
 * lab's NATs do before any node feature is judged on them. One JSON line per event on stdout.
 *
 *   node punch-tools.js listen <port>[,<port>…] <durationMs>
 *       accepts connections for durationMs; per connection {"port":p,"remote":"ip:port"} (also
 *       written to the connection), then {"done":n}
 *   node punch-tools.js connect <ip> <port> <localPort>[,<localPort>…] <timeoutMs>
 *       one connect per local port, in turn: {"ok":true,"localPort":n,"seenAs":"ip:port"} (what
 *       a punch-tools listener saw) or {"ok":false,"localPort":n,"error":"…"}
 *   node punch-tools.js simopen <localPort> <ip> <port> <timeoutMs>
 *       one side of a TCP simultaneous open: connects from localPort, sends its own tag and reads
 *       the other side's: {"ok":true,"remote":"ip:port","heard":"…","ms":n} or {"ok":false,…}
 */
import { connect, createServer } from 'node:net';
import { hostname } from 'node:os';

const [mode, ...args] = process.argv.slice(2);

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

function listen(ports: readonly number[], durationMs: number): void {
  let count = 0;
  let listening = 0;
  for (const port of ports) {
    const server = createServer((socket) => {
      count++;
      const remote = `${socket.remoteAddress}:${socket.remotePort}`;
      print({ port, remote });
      socket.on('error', () => undefined);
      socket.end(remote);
    });
    server.listen(port, '0.0.0.0', () => {
      if (++listening === ports.length) print({ listening: ports });
    });
  }
  setTimeout(() => {
    print({ done: count });
    process.exit(0);
  }, durationMs);
}

/** One connect from a chosen local port; `echo`: the listener's report of where it saw us from. */
function connectOnce(ip: string, port: number, localPort: number, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port, localPort });
    let heard = '';
    const done = (value: Record<string, unknown>): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done({ ok: false, localPort, error: `no connection within ${timeoutMs} ms` }), timeoutMs);
    socket.on('error', (err) => done({ ok: false, localPort, error: err.message }));
    socket.on('data', (data: Buffer) => (heard += data.toString()));
    socket.on('end', () => done({ ok: true, localPort, seenAs: heard.trim() }));
  });
}

async function connectFrom(ip: string, port: number, localPorts: readonly number[], timeoutMs: number): Promise<void> {
  let failed = false;
  for (const localPort of localPorts) {
    const result = await connectOnce(ip, port, localPort, timeoutMs);
    failed ||= result['ok'] !== true;
    print(result);
  }
  process.exit(failed ? 1 : 0);
}

function simultaneousOpen(ip: string, port: number, localPort: number, timeoutMs: number): void {
  const started = Date.now();
  const socket = connect({ host: ip, port, localPort });
  const timer = setTimeout(() => {
    print({ ok: false, error: `no connection within ${timeoutMs} ms` });
    process.exit(1);
  }, timeoutMs);
  socket.on('error', (err) => {
    clearTimeout(timer);
    print({ ok: false, error: err.message });
    process.exit(1);
  });
  socket.on('connect', () => socket.write(`${hostname()}:${localPort}`));
  socket.on('data', (data: Buffer) => {
    clearTimeout(timer);
    print({ ok: true, remote: `${socket.remoteAddress}:${socket.remotePort}`, heard: data.toString(), ms: Date.now() - started });
    // Let our own tag reach the other side before closing.
    setTimeout(() => process.exit(0), 200);
  });
}

switch (mode) {
  case 'listen':
    listen(args[0]!.split(',').map(Number), Number(args[1]));
    break;
  case 'connect':
    void connectFrom(args[0]!, Number(args[1]), args[2]!.split(',').map(Number), Number(args[3]));
    break;
  case 'simopen':
    simultaneousOpen(args[1]!, Number(args[2]), Number(args[0]), Number(args[3]));
    break;
  default:
    console.error('usage: punch-tools listen|connect|simopen …');
    process.exit(2);
}
