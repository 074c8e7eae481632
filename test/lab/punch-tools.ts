/**
 * Small TCP tools run inside the punch lab's namespaces (no node involved), to prove what the
 * lab's NATs do before any node feature is judged on them. One JSON line per event on stdout.
 *
 *   node punch-tools.js listen <port>[,<port>…] <durationMs>
 *       accepts connections for durationMs; per connection {"port":p,"remote":"ip:port"}, then {"done":n}
 *   node punch-tools.js connect <ip> <port> <localPort> <timeoutMs>
 *       one connect from a chosen local port: {"ok":true} or {"ok":false,"error":"…"}
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
      print({ port, remote: `${socket.remoteAddress}:${socket.remotePort}` });
      socket.on('error', () => undefined);
      socket.end();
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

function connectFrom(ip: string, port: number, localPort: number, timeoutMs: number, simultaneous: boolean): void {
  const started = Date.now();
  const socket = connect({ host: ip, port, localPort });
  const tag = `${hostname()}:${localPort}`;
  const timer = setTimeout(() => {
    print({ ok: false, error: `no connection within ${timeoutMs} ms` });
    process.exit(1);
  }, timeoutMs);
  socket.on('error', (err) => {
    clearTimeout(timer);
    print({ ok: false, error: err.message });
    process.exit(1);
  });
  socket.on('connect', () => {
    if (!simultaneous) {
      clearTimeout(timer);
      print({ ok: true, local: `${socket.localAddress}:${socket.localPort}` });
      socket.destroy();
      process.exit(0);
    }
    socket.write(tag);
  });
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
    connectFrom(args[0]!, Number(args[1]), Number(args[2]), Number(args[3]), false);
    break;
  case 'simopen':
    connectFrom(args[1]!, Number(args[2]), Number(args[0]), Number(args[3]), true);
    break;
  default:
    console.error('usage: punch-tools listen|connect|simopen …');
    process.exit(2);
}
