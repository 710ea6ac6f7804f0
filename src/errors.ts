/**
 * Error classes that library code throws and the CLI maps to exit codes (src/cli/main.ts):
 * BadInputError and its subclasses exit 2, a DivergenceError (src/train/step.ts) exits 3,
 * anything else exits 1.
 */

/** The input is wrong (a flag, a file, a table): the user has to fix it; the CLI exits 2. */
export class BadInputError extends Error {
  override name = 'BadInputError';
}

/** A file the project wrote fails its integrity check (checksum mismatch, truncated). */
export class CorruptFileError extends BadInputError {
  override name = 'CorruptFileError';
  constructor(
    /** The file that failed the check. */
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}
