/** Thrown when a loss (or gradient norm) stops being finite; the message says where. */
export class DivergenceError extends Error {
  override name = 'DivergenceError';
}
