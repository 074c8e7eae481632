/**
 * Base of every error kadchain raises on purpose. `code` is stable and machine-readable
 * (RPC maps it, tests assert on it); `message` is one sentence a person can act on.
 */
export class KadchainError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that do not decode as the structure they claim to be. */
export class DecodeError extends KadchainError {
  constructor(message: string) {
    super('decode-error', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
