import type { MethodTable, RpcContext } from '../context.js';
import { RpcCode } from '../constants.js';
import { RpcError } from '../errors.js';
import { param, parseParams } from '../params.js';

/** `global.gc` exists only when node runs with --expose-gc. */
const exposedGc = (): (() => void) | undefined => {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : undefined;
};

export function controlMethods(ctx: RpcContext): MethodTable {
  return {
    stop: (params) => {
      parseParams(params, {});
      ctx.requestStop();
      return { stopping: true };
    },

    /**
     * Memory of the node process (Bitcoin Core has a getmemoryinfo too). `gc: true` runs a full
     * garbage collection first, so heapUsed is what is really live: leak tests compare those, not
     * a heap V8 grows lazily. It needs node --expose-gc (a GC pause is not for every caller).
     */
    getmemoryinfo: (params) => {
      const { gc } = parseParams(params, { gc: param.optional(param.boolean(), false) });
      if (gc) {
        const collect = exposedGc();
        if (collect === undefined) throw new RpcError(RpcCode.Misc, 'gc-unavailable', 'gc: true needs the node started with node --expose-gc');
        collect();
      }
      const usage = process.memoryUsage();
      return {
        rssBytes: usage.rss,
        heapTotalBytes: usage.heapTotal,
        heapUsedBytes: usage.heapUsed,
        externalBytes: usage.external,
        arrayBuffersBytes: usage.arrayBuffers,
        mempoolUsageBytes: ctx.mempool.usage,
        gcRun: gc,
      };
    },
  };
}
