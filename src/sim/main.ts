/**
 * `npm run sim [-- --nodes 10000 --minutes 10 --seed 13 --crypto stand-in|real --out docs/scale]`
 * `[--block-bytes 1000000,100000 --miss-rates 0,0.05]`:
 * runs the real discovery, peer-set and relay code for N simulated nodes on a virtual clock, writes
 * <out>/sim-<N>.json and the SVG plots, and prints one progress line per 10 virtual seconds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CHAIN_PARAMS } from '../chain/params.js';
import { writePlots } from './plots.js';
import { defaultParams, runScenario } from './scenario.js';

const OPTIONS = {
  nodes: { type: 'string', default: '10000' },
  minutes: { type: 'string', default: '10' },
  seed: { type: 'string', default: '13' },
  crypto: { type: 'string', default: 'stand-in' },
  out: { type: 'string', default: 'docs/scale' },
  attack: { type: 'string', default: 'ping+forge' },
  'ping-interval-ms': { type: 'string' },
  'max-inbound': { type: 'string' },
  'attacker-netgroups': { type: 'string', default: '0' },
  'block-bytes': { type: 'string' },
  'miss-rates': { type: 'string' },
} as const;

/** parseArgs' own refusals (an unknown option, a missing value, "-0.1" read as an option) in one line, exit 2. */
function parseOptions(): ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'] {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (err) {
    process.stderr.write(`${(err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}; run: npm run sim -- --nodes 1000 --minutes 2\n`);
    process.exit(2);
  }
}
const values = parseOptions();

const nodes = Number(values.nodes);
const minutes = Number(values.minutes);
if (!Number.isInteger(nodes) || nodes < 20 || !(minutes > 0)) {
  process.stderr.write('usage: npm run sim -- --nodes <≥ 20> --minutes <> 0> [--seed n] [--crypto stand-in|real] [--out dir]\n');
  process.exit(2);
}
if (values.crypto !== 'stand-in' && values.crypto !== 'real') {
  process.stderr.write(`--crypto must be stand-in or real, not "${values.crypto}"; run: npm run sim -- --crypto real\n`);
  process.exit(2);
}
if (values.attack !== 'ping+forge' && values.attack !== 'ping' && values.attack !== 'forge') {
  process.stderr.write(`--attack must be ping+forge, ping or forge, not "${values.attack}"; run: npm run sim -- --attack ping\n`);
  process.exit(2);
}
const pingIntervalMs = values['ping-interval-ms'] === undefined ? undefined : Number(values['ping-interval-ms']);
if (pingIntervalMs !== undefined && !(pingIntervalMs >= 1_000)) {
  process.stderr.write(`--ping-interval-ms must be a number of ms ≥ 1000, not "${values['ping-interval-ms']}"; run: npm run sim -- --ping-interval-ms 60000\n`);
  process.exit(2);
}
const maxInbound = values['max-inbound'] === undefined ? undefined : Number(values['max-inbound']);
if (maxInbound !== undefined && !(Number.isInteger(maxInbound) && maxInbound >= 0)) {
  process.stderr.write(`--max-inbound must be a whole number ≥ 0, not "${values['max-inbound']}"; run: npm run sim -- --max-inbound 64\n`);
  process.exit(2);
}
const attackerNetgroups = Number(values['attacker-netgroups']);
if (!(Number.isInteger(attackerNetgroups) && attackerNetgroups >= 0)) {
  process.stderr.write(`--attacker-netgroups must be a whole number ≥ 0, not "${values['attacker-netgroups']}"; run: npm run sim -- --attacker-netgroups 4\n`);
  process.exit(2);
}
/** A comma-separated list of numbers, each passing `ok`; undefined when the option was not given. */
function numberList(name: 'block-bytes' | 'miss-rates', ok: (n: number) => boolean, rule: string, example: string): number[] | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  // An empty item ("", "0,,0.5") is refused, not read as Number('') = 0.
  const list = raw.split(',').map((s) => (s.trim() === '' ? Number.NaN : Number(s)));
  if (!list.every(ok)) {
    process.stderr.write(`--${name} must be a comma-separated list of ${rule}, not "${raw}"; run: npm run sim -- --${name} ${example}\n`);
    process.exit(2);
  }
  return list;
}
const { maxBlockBytes } = DEFAULT_CHAIN_PARAMS;
const blockBytes = numberList('block-bytes', (n) => Number.isInteger(n) && n >= 1_000 && n <= maxBlockBytes, `whole byte counts from 1000 to ${maxBlockBytes} (the largest block the chain takes)`, '100000');
const missRates = numberList('miss-rates', (n) => n >= 0 && n < 1, 'shares from 0 to under 1', '0,0.05');
const defaults = defaultParams(nodes, minutes);
const p2p = { ...defaults.p2p, ...(pingIntervalMs === undefined ? {} : { pingIntervalMs }), ...(maxInbound === undefined ? {} : { maxInbound }) };
const params = { ...defaults, ...(blockBytes === undefined ? {} : { blockBytes }), ...(missRates === undefined ? {} : { missRates }), p2p, seed: Number(values.seed), crypto: values.crypto, attackMode: values.attack, attackerNetgroups, log: (line: string) => process.stderr.write(`${line}\n`) } as const;
const result = await runScenario(params);
mkdirSync(values.out, { recursive: true });
const variant = `${values.crypto === 'real' ? '-real-crypto' : ''}${values.attack === 'ping+forge' ? '' : `-attack-${values.attack}`}${attackerNetgroups === 0 ? '' : `-attacker-netgroups-${attackerNetgroups}`}`;
const file = join(values.out, `sim-${nodes}${variant}.json`);
writeFileSync(file, `${JSON.stringify(result, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v), 1)}\n`);
if (variant === '') writePlots(result, values.out);
process.stderr.write(`wrote ${file}; wall ${(result.run.wallMs / 1000).toFixed(1)} s, ${result.run.events} events, peak RSS ${result.run.peakRssMb.toFixed(0)} MB\n`);
