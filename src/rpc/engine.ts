/**
 * A typed wrapper around jayson's promise server: it does the JSON-RPC 2.0 request/response
 * handling; we give it async handlers that already return JSON-safe values or throw JSON-RPC error
 * objects. JSON-RPC 1.0-style requests (what bitcoin-cli and many libraries send: no "jsonrpc"
 * member, or "1.0") are translated to 2.0 for jayson and answered in 1.0 style
 * ({result, error, id}, both members always there); batches are split here so one batch may mix both.
 */
import { createRequire } from 'node:module';
import type * as JaysonPromise from 'jayson/promise/index.js';
import { RpcCode } from './constants.js';
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

/** A 1.0 answer: result and error are both present (one of them null); the id is echoed as sent. */
export interface JsonRpc1Response {
  result: JsonValue;
  error: JsonRpcErrorObject | null;
  id: unknown;
}

export type AnyJsonRpcResponse = JsonRpcResponse | JsonRpc1Response;

export interface JsonRpcEngine {
  /** Answers a parsed request (or batch); undefined when only notifications were sent. */
  call(request: unknown, call?: RpcCall): Promise<AnyJsonRpcResponse | AnyJsonRpcResponse[] | undefined>;
}

export interface EngineOptions {
  methods: Readonly<Record<string, EngineHandler>>;
  /** The error for a method name nobody registered. */
  unknownMethod: (name: string) => JsonRpcErrorObject;
  invalidRequestMessage: string;
  /** Most requests one batch may hold; a longer batch is refused whole. */
  maxBatchRequests: number;
}

/**
 * jayson's promise Server and Method only, bundled at build time (scripts/bundle-jayson.cjs):
 * `import 'jayson/promise'` would also load its HTTP/TLS/WebSocket clients and servers and its own
 * ws 7, ~3.6 MB of an idle node's RSS, for nothing (docs/architecture.md "Idle memory").
 */
const jayson = createRequire(import.meta.url)('./jayson-server.cjs') as Pick<typeof JaysonPromise, 'Server' | 'Method'>;

/** The id jayson sees for a 1.0 request (1.0 allows any id, and one without an id is still answered). */
const INTERNAL_ID = 0;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** No "jsonrpc" member, or "1.0": bitcoin-cli's dialect. */
export function isVersionOne(request: unknown): request is Record<string, unknown> {
  return isObject(request) && (!Object.hasOwn(request, 'jsonrpc') || request['jsonrpc'] === '1.0');
}

export function createEngine(options: EngineOptions): JsonRpcEngine {
  const methods: Record<string, JaysonPromise.Method> = {};
  for (const [name, handler] of Object.entries(options.methods)) {
    // useContext: jayson hands each method the context given to server.call (the request's RpcCall).
    methods[name] = new jayson.Method((params: JaysonPromise.RequestParamsLike, context: { call?: RpcCall }) => handler(params, context.call), { useContext: true });
  }
  const server = new jayson.Server(methods, {
    router(this: JaysonPromise.Server, name: string): JaysonPromise.MethodLike {
      if (Object.hasOwn(methods, name)) return methods[name]!;
      // jayson's own "Method not found" does not say which method; ours does.
      return new jayson.Method(() => Promise.reject(options.unknownMethod(String(name))));
    },
  });
  (server as unknown as { errorMessages: Record<number, string> }).errorMessages[-32600] = options.invalidRequestMessage;

  const callOne = (request: unknown, call: RpcCall | undefined): Promise<JsonRpcResponse | undefined> =>
    new Promise((resolve) => {
      server.call(request as JaysonPromise.JSONRPCRequestLike, call ? { call } : {}, (error: unknown, response: unknown) => {
        resolve((error ?? response ?? undefined) as JsonRpcResponse | undefined);
      });
    });

  const answer = async (request: unknown, call: RpcCall | undefined): Promise<AnyJsonRpcResponse | undefined> => {
    if (!isVersionOne(request)) return callOne(request, call);
    const { method, params } = request;
    const reply = await callOne({ jsonrpc: '2.0', id: INTERNAL_ID, method, ...(params === undefined || params === null ? {} : { params }) }, call);
    return { result: reply?.result ?? null, error: reply?.error ?? null, id: request['id'] ?? null };
  };

  const invalid = (message: string): JsonRpcResponse => ({ jsonrpc: '2.0', id: null, error: { code: RpcCode.InvalidRequest, message, data: { code: 'invalid-request' } } });

  return {
    call: async (request, call) => {
      if (!Array.isArray(request)) return answer(request, call);
      if (request.length === 0) return invalid('invalid request: a batch must hold at least one request');
      if (request.length > options.maxBatchRequests) return invalid(`invalid request: a batch may hold at most ${options.maxBatchRequests} requests, this one holds ${request.length}`);
      const replies = await Promise.all(request.map((r: unknown) => answer(r, call)));
      const answered = replies.filter((r): r is AnyJsonRpcResponse => r !== undefined);
      return answered.length === 0 ? undefined : answered;
    },
  };
}
