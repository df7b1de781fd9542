/**
 * Typed errors. The CLI prints `err.message` (no stack) for every OpticalError and exits non-zero.
 */
export class OpticalError extends Error {
  override name = 'OpticalError';
}

/** Bad user input: a file (and line or field) that cannot be read as what it should be. */
export class InputError extends OpticalError {
  override name = 'InputError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(file ? `${file}${line !== undefined ? `:${line}` : ''}: ${message}` : message);
  }
}

/** A numerical routine was given arguments it cannot work with (shapes, negative costs, ...). */
export class ArgumentError extends OpticalError {
  override name = 'ArgumentError';
}
