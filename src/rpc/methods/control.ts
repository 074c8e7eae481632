import type { MethodTable, RpcContext } from '../context.js';
import { parseParams } from '../params.js';

export function controlMethods(ctx: RpcContext): MethodTable {
  return {
    stop: (params) => {
      parseParams(params, {});
      ctx.requestStop();
      return { stopping: true };
    },
  };
}
