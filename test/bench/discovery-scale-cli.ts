/** `node dist/test/bench/discovery-scale-cli.js <nodes> <distinct|same> [giveUpMs] [processes]`: one run, one JSON line (for investigating). */
import { runScale } from './discovery-scale-net.js';

const nodes = Number(process.argv[2] ?? 200);
const distinctIps = (process.argv[3] ?? 'distinct') === 'distinct';
const giveUpMs = Number(process.argv[4] ?? 30_000);
const processes = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
console.log(JSON.stringify(await runScale({ nodes, distinctIps, giveUpMs, processes })));
