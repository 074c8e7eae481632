#!/usr/bin/env node
// ./kadchain (a link to this file) and the `kadchain` bin: the CLI bundled into one CommonJS file
// at build time. CommonJS, so Node starts it without its ESM loader: start-up time is what this
// file is for (docs/architecture.md "CLI start-up").
'use strict';
let cli;
try {
  cli = require('../dist/src/cli/kadchain.cjs');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('kadchain.cjs')) {
    process.stderr.write('kadchain is not built: run npm install (or npm run build) in its directory first\n');
    process.exit(1);
  }
  throw err;
}
cli.main();
