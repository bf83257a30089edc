/**
 * Errors the CLI maps to exit codes: a {@linkcode UsageError} (bad flags or
 * values, exit 2) versus anything else at run time (exit 1).
 *
 * @module
 */

/** A command line that cannot be run as given; exit code 2. */
export class UsageError extends Error {
  /** Creates a usage error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/** Exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
