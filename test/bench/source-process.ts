/**
 * Starts the sync bench's source node in a child process (sync-source.ts), so the syncing node's
 * process holds only itself: its RSS is the figure issue #12 bounds, and the source's work of
 * serving blocks does not run on the syncing node's event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The line sync-source.ts prints once it serves. */
export interface SourceReady {
  readonly port: number;
  readonly tipHash: string;
  readonly height: number;
  readonly inputs: number;
  readonly fixtureBuildMs: number;
  readonly sourceLoadMs: number;
}

export interface SourceProcess extends SourceReady {
  readonly tip: { readonly hash: Buffer; readonly height: number };
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./sync-source.js', import.meta.url));
/** Building and loading 2,000 blocks takes ~10 s on a loaded 2-core machine; 20,000 ten times that. */
const READY_TIMEOUT_MS = 10 * 60 * 1000;
/** A source that does not exit after its stdin closed is killed after this. */
const STOP_TIMEOUT_MS = 10_000;

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startSourceProcess(blocks: number, txsPerBlock: number): Promise<SourceProcess> {
  const child = spawn(process.execPath, [SCRIPT, String(blocks), String(txsPerBlock)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
  };
  try {
    const ready = await new Promise<SourceReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sync source process did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', (line) => {
        clearTimeout(timer);
        lines.close();
        resolve(JSON.parse(line) as SourceReady);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the sync source process exited with code ${code} before serving`));
      });
    });
    return { ...ready, tip: { hash: Buffer.from(ready.tipHash, 'hex'), height: ready.height }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
