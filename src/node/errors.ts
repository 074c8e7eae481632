import { KadchainError } from '../util/errors.js';

/** A setting that is unknown, of the wrong type or out of range; the message names the key and the file. */
export class ConfigError extends KadchainError {
  constructor(message: string) {
    super('config-invalid', message);
  }
}

/** The node could not start or stop: data dir locked, storage unavailable, port taken. */
export class NodeError extends KadchainError<'datadir-locked' | 'datadir-unusable' | 'rpc-listen-failed' | 'p2p-listen-failed' | 'already-started' | 'start-interrupted'> {}
