/**
 * What a /ws request costs, in the units of the per-client budget, known before it runs and
 * without decoding anything: a 60-byte frame asking for 100 uncached summaries, a full block's
 * verbose view or the mining address's history must pay for what it makes the node do, not count
 * as one request like `status`.
 */
import { WS_ADDRESS_COST_UNITS, WS_BLOCK_BYTES_PER_COST_UNIT, WS_REQUEST_COST_UNITS, WS_SUMMARIES_PER_COST_UNIT } from './constants.js';
import { WebError } from './errors.js';
import { type WebRequest, address, blockRef, count, hash, height } from './ops.js';
import type { WebSource } from './source.js';

export function requestCost(source: WebSource, request: WebRequest): number {
  const { op, fields } = request;
  try {
    switch (op) {
      case 'status':
      case 'peers':
      case 'pool':
        return WS_REQUEST_COST_UNITS;
      case 'blocks':
        return WS_REQUEST_COST_UNITS + Math.ceil(source.uncachedSummaries(height(fields['start'], 'start'), count(fields['count'])) / WS_SUMMARIES_PER_COST_UNIT);
      case 'block':
        return WS_REQUEST_COST_UNITS + Math.ceil(source.blockBytes(blockRef(fields)) / WS_BLOCK_BYTES_PER_COST_UNIT);
      case 'tx':
        return WS_REQUEST_COST_UNITS + Math.ceil(source.blockBytes({ txid: hash(fields['txid'], 'txid') }) / WS_BLOCK_BYTES_PER_COST_UNIT);
      case 'address':
        return WS_REQUEST_COST_UNITS + (source.addressCached(address(fields['address'])) ? 0 : WS_ADDRESS_COST_UNITS);
    }
  } catch (err) {
    // A bad parameter: the request will be answered with its error, which costs a plain request.
    if (err instanceof WebError) return WS_REQUEST_COST_UNITS;
    throw err;
  }
}
