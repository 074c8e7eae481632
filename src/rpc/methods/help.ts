/** The `help` RPC method, answered from METHOD_DOCS (the table next to the method registration). */
import { closest } from '../../util/suggest.js';
import { RpcCode } from '../constants.js';
import type { MethodTable } from '../context.js';
import { RpcError } from '../errors.js';
import { type MethodDoc, methodUsage } from '../method-docs.js';
import { param, parseParams } from '../params.js';

/** Did-you-mean text for a method name nobody registered ('' when nothing is close). */
export function unknownMethodMessage(name: string, names: Iterable<string>): string {
  const near = closest(name, names);
  return `unknown method "${name}"${near === undefined ? '' : `; did you mean "${near}"?`} (the help method lists them all)`;
}

export function helpMethods(docs: Readonly<Record<string, MethodDoc>>): MethodTable {
  return {
    help: (params) => {
      const { command } = parseParams(params, { command: param.optional(param.string(), undefined) });
      if (command === undefined) {
        return { methods: Object.entries(docs).map(([name, doc]) => ({ name, usage: methodUsage(name, doc), summary: doc.summary })) };
      }
      const doc = Object.hasOwn(docs, command) ? docs[command] : undefined;
      if (doc === undefined) throw new RpcError(RpcCode.MethodNotFound, 'method-not-found', unknownMethodMessage(command, Object.keys(docs)));
      return { name: command, usage: methodUsage(command, doc), summary: doc.summary, params: doc.params.map((p) => ({ name: p.name, optional: p.optional === true, description: p.description })) };
    },
  };
}
