#!/usr/bin/env node
// `node bin/cli.js` (npm start, the tests' CLI runner): the same bundled CLI as ./kadchain
// (bin/kadchain.cjs), reached from an ES module.
import { main } from '../dist/src/cli/kadchain.cjs';

await main();
