/**
 * What `./kadchain` runs: bundled at build time (scripts/bundle-cli.cjs, esbuild) with the client
 * modules it imports into one CommonJS file, dist/src/cli/kadchain.cjs, because a client command's
 * time is mostly Node start-up and one CommonJS file skips the ESM loader and ~20 module reads
 * (docs/architecture.md "CLI start-up"). Commands that run node code (`start`, `verifychain
 * --offline`) are handed whole to the unbundled ESM main.js, so the node's modules and error
 * classes are one copy, as with `node dist/src/cli/main.js`.
 */
import { hasFlag, splitCommandLine } from './args.js';
import { runCli } from './main.js';

/**
 * The unbundled CLI beside the bundle (dist/src/cli/), by a specifier esbuild does not follow: a
 * variable rather than a literal, so the node's code stays out of the bundle.
 */
const UNBUNDLED_MAIN = './main.js';

/** Whether this command line may run node code; true for a superset of those, as the unbundled CLI handles any command line. */
export function runsNodeCode(argv: readonly string[]): boolean {
  return splitCommandLine(argv).command === 'start' || hasFlag(argv, '--offline');
}

export async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (runsNodeCode(argv)) {
    const unbundled = (await import(UNBUNDLED_MAIN)) as typeof import('./main.js');
    await unbundled.main();
    return;
  }
  process.exitCode = await runCli(argv);
}
