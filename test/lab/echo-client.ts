/**
 * One echo round trip from a lab namespace: prints the reply and exits 0, or exits 1 on timeout
 * or error.   node dist/test/lab/echo-client.js tcp|udp <host> <port> <message>
 */
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';

const ECHO_TIMEOUT_MS = 2_000;
const [proto, host = '', portText = '', message = 'hello'] = process.argv.slice(2);
const port = Number(portText);
const timer = setTimeout(() => {
  process.stderr.write(`${proto} timeout\n`);
  process.exit(1);
}, ECHO_TIMEOUT_MS);
const done = (data: Buffer): void => {
  clearTimeout(timer);
  process.stdout.write(`${data.toString()}\n`);
  process.exit(0);
};
if (proto === 'tcp') {
  const socket = connect(port, host, () => socket.write(message));
  socket.on('data', done);
  socket.on('error', (err) => {
    process.stderr.write(`tcp error ${err.message}\n`);
    process.exit(1);
  });
} else {
  const socket = createSocket('udp4');
  socket.on('message', done);
  socket.send(message, port, host);
}
