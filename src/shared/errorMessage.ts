/**
 * The text to show or log for something thrown: JavaScript lets code throw any value (a string, an
 * object from a callback-style library), so a catch clause cannot assume an Error.
 */
export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);
