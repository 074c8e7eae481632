/**
 * Run inside a lab namespace: forwards connections on a Unix socket (a file, so it crosses
 * network namespaces) to the node's RPC port on 127.0.0.1 in that namespace. The test process
 * then calls RPC directly instead of starting a CLI process per call (a 200 ms poll of five
 * nodes through the CLI would be 25 node start-ups a second on a 2-core machine).
 *
 *   node rpc-bridge.js <socket path> <rpc port>
 */
import { connect, createServer } from 'node:net';
import { rmSync } from 'node:fs';

const [socketPath, portText] = process.argv.slice(2);
if (!socketPath || !portText) {
  console.error('usage: rpc-bridge <socket path> <rpc port>');
  process.exit(2);
}
rmSync(socketPath, { force: true });
const server = createServer((client) => {
  const upstream = connect(Number(portText), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(socketPath, () => console.log('rpc bridge listening'));
