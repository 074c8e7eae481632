/**
 * A raw TCP client that is not a kadchain node: connects from a lab namespace, sends `message`,
 * and waits for the other side to close. Prints "closed <ms> <bytes received>" and exits 0 once
 * the node hung up, or exits 1 if it kept the connection open (or the connect failed).
 *   node dist/test/lab/garbage-client.js <host> <port> <message>
 */
import { connect } from 'node:net';

/** A node drops garbage on its first bytes; this is far longer than that takes. */
const CLOSE_TIMEOUT_MS = 5_000;
const [host = '', portText = '', message = 'GET / HTTP/1.1\r\n\r\n'] = process.argv.slice(2);
const startedMs = Date.now();
let received = 0;
let connected = false;
const timer = setTimeout(() => {
  process.stderr.write(`still open after ${CLOSE_TIMEOUT_MS} ms (${received} bytes received)\n`);
  process.exit(1);
}, CLOSE_TIMEOUT_MS);
const socket = connect(Number(portText), host, () => {
  connected = true;
  socket.write(message);
});
socket.on('data', (chunk: Buffer) => (received += chunk.length));
// A reset (the node destroyed the socket) is a close like any other here.
socket.on('error', () => undefined);
socket.on('close', () => {
  clearTimeout(timer);
  if (!connected) {
    process.stderr.write(`could not connect to ${host}:${portText}\n`);
    process.exit(1);
  }
  process.stdout.write(`closed ${Date.now() - startedMs} ${received}\n`);
  process.exit(0);
});
