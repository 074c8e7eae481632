/**
 * Base of every error kadchain raises on purpose. `code` is stable and machine-readable
 * (RPC maps it, tests assert on it); `message` is one sentence a person can act on.
 * Subsystems narrow `Code` to their own union: `class WireError extends KadchainError<WireErrorCode> {}`.
 */
export class KadchainError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
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
