#!/bin/sh
":" //; export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"; exec node --max-semi-space-size=2 "$0" "$@"
// ./kadchain (a link to this file) and the `kadchain` bin: the CLI bundled into one CommonJS file
// at build time. CommonJS, so Node starts it without its ESM loader: start-up time is what this
// file is for (docs/architecture.md "CLI start-up").
// Line 2 is for sh (in JavaScript it is a string and a comment): it starts Node with the settings
// of the node process, which only the environment and Node's command line can give, before the
// process exists — glibc's malloc arenas at most MALLOC_ARENA_MAX (a user's own value wins) and V8's
// young generation capped by --max-semi-space-size (docs/architecture.md "Idle memory"). One
// exec, as `#!/usr/bin/env node` was one (no extra process). The same values are
// NODE_MALLOC_ARENA_MAX and NODE_MAX_SEMI_SPACE_MB in src/node/constants.ts (a unit test keeps
// them equal) for the benches' node processes.
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
