import test from 'ava';
import { createServer } from 'node:net';
import { createNodeSetup, getInfo, startNode } from './harness.js';

test('startNode redoes a start whose RPC port another process took between the probe and the bind, on a fresh port', async (t) => {
  const setup = await createNodeSetup(t);
  const taken = setup.rpcPort;
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
  t.teardown(() => squatter.close());
  await startNode(t, setup);
  t.not(setup.rpcPort, taken);
  t.is(typeof (await getInfo(setup)).mempoolSize, 'number', 'the node answers on its new port');
});
