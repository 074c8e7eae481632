/**
 * A typed wrapper around jayson's promise server: it does the JSON-RPC 2.0 request/response and
 * batch handling; we give it async handlers that already return JSON-safe values or throw
 * JSON-RPC error objects.
 */
import jayson from 'jayson/promise/index.js';
import type { JsonValue } from './json.js';
import type { JsonRpcErrorObject } from './errors.js';
import type { RpcCall } from './context.js';

export type EngineHandler = (params: unknown, call: RpcCall | undefined) => Promise<JsonValue>;

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: JsonValue;
  error?: JsonRpcErrorObject;
}

export interface JsonRpcEngine {
  /** Answers a parsed request (or batch); undefined when only notifications were sent. */
  call(request: unknown, call?: RpcCall): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined>;
}

export interface EngineOptions {
  methods: Readonly<Record<string, EngineHandler>>;
  /** The error for a method name nobody registered. */
  unknownMethod: (name: string) => JsonRpcErrorObject;
  invalidRequestMessage: string;
}

export function createEngine(options: EngineOptions): JsonRpcEngine {
  const methods: Record<string, jayson.Method> = {};
  for (const [name, handler] of Object.entries(options.methods)) {
    // useContext: jayson hands each method the context given to server.call (the request's RpcCall).
    methods[name] = new jayson.Method((params: jayson.RequestParamsLike, context: { call?: RpcCall }) => handler(params, context.call), { useContext: true });
  }
  const server = new jayson.Server(methods, {
    router(this: jayson.Server, name: string): jayson.MethodLike {
      if (Object.hasOwn(methods, name)) return methods[name]!;
      // jayson's own "Method not found" does not say which method; ours does.
      return new jayson.Method(() => Promise.reject(options.unknownMethod(String(name))));
    },
  });
  (server as unknown as { errorMessages: Record<number, string> }).errorMessages[-32600] = options.invalidRequestMessage;

  return {
    call: (request, call) =>
      new Promise((resolve) => {
        server.call(request as jayson.JSONRPCRequestLike, call ? { call } : {}, (error: unknown, response: unknown) => {
          resolve((error ?? response ?? undefined) as JsonRpcResponse | JsonRpcResponse[] | undefined);
        });
      }),
  };
}
