/** `node dist/src/sim/replot.js docs/scale/sim-1000.json`: redraws the SVGs from a saved result (no re-run). */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writePlots } from './plots.js';
import type { ScenarioResult } from './scenario.js';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node dist/src/sim/replot.js docs/scale/sim-<N>.json\n');
  process.exit(2);
}
writePlots(JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult, dirname(file));
