import { KadchainError } from '../../util/errors.js';

export type NatErrorCode =
  | 'nat-no-gateway'
  | 'nat-timeout'
  | 'nat-mapping-refused'
  | 'nat-bad-external-ip'
  | 'nat-closed'
  | 'nat-already-started';

/** A port-mapping step failed; the node carries on without (or with fewer) mappings. */
export class NatError extends KadchainError<NatErrorCode> {}
