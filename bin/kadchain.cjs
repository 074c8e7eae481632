#!/bin/sh
":" //; export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"; exec node "$0" "$@"
// ./kadchain (a link to this file) and the `kadchain` bin: the CLI bundled into one CommonJS file
// at build time. CommonJS, so Node starts it without its ESM loader: start-up time is what this
// file is for (docs/architecture.md "CLI start-up").
// Line 2 is for sh (in JavaScript it is a string and a comment): it starts Node with glibc's malloc
// arenas limited by MALLOC_ARENA_MAX (a user's own value wins), which only the environment can set
// before the process exists (docs/architecture.md "Idle memory"). One exec, as `#!/usr/bin/env node`
// was one: no extra process. The value is NODE_MALLOC_ARENA_MAX in src/node/constants.ts (a unit
// test keeps them equal), which the benches' node processes get the same way.
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
