/**
 * An RpcContext holding only the parts a test gives: touching any other part throws, so a test
 * states exactly what a method may use (and a method that reads the context before checking its
 * parameters is caught by the help-table test).
 */
import type { RpcContext } from '../../src/rpc/context.js';

export function partialContext(parts: Partial<RpcContext>): RpcContext {
  return new Proxy(parts, {
    get(target, key) {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) throw new Error(`the test gave the context no "${key}"`);
      return (target as Record<string | symbol, unknown>)[key];
    },
  }) as RpcContext;
}
