// esbuild for the build's bundling scripts (bundle-cli.cjs, bundle-jayson.cjs): a devDependency,
// so a missing one is told in one line with the command that installs it.
'use strict';

/** esbuild, or exit 1 naming the script that needed it. */
function loadEsbuild(script) {
  try {
    return require('esbuild');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      console.error(`${script}: esbuild is not installed (a devDependency); run: npm install`);
      process.exit(1);
    }
    throw err;
  }
}

module.exports = { loadEsbuild };
