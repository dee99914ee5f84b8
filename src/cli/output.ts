/** How every command reports errors and progress: one clear line, a documented exit code. */
import { AppError, EXIT, isAppError } from '../errors.js';

/** Prints one line for the error and sets the exit code from the catalogue. Never a stack trace. */
export function failAndExit(err: unknown): never {
  if (isAppError(err)) {
    process.stderr.write(`gramscope: ${err.code}: ${oneLine(err.message)}\n`);
    process.exit(err.exitCode);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`gramscope: ERR_INTERNAL: ${oneLine(message)}\n`);
  if (process.env.GRAMSCOPE_DEBUG && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  process.exit(EXIT.internal);
}

/**
 * Prints one line for a file that failed inside a batch (the batch goes on) and returns the exit
 * code its error calls for.
 */
export function reportFileError(file: string, err: unknown): number {
  const appError = isAppError(err)
    ? err
    : new AppError('ERR_INTERNAL', err instanceof Error ? err.message : String(err));
  process.stderr.write(`gramscope: ${file}: ${appError.code}: ${oneLine(appError.message)}\n`);
  return appError.exitCode;
}

export function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/** Throws a usage error that the CLI prints as one line with exit code 2. */
export function usageError(message: string): AppError {
  return new AppError('ERR_USAGE', message);
}

/** Parses a numeric option or throws a usage error naming the flag. */
export function parseNumberOption(
  flag: string,
  value: string,
  { integer = false, min = -Infinity, max = Infinity } = {},
): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const kind = integer ? 'an integer' : 'a number';
    throw usageError(
      `${flag} must be ${kind}${min > -Infinity ? ` ≥ ${min}` : ''}${max < Infinity ? ` ≤ ${max}` : ''}, got "${value}"`,
    );
  }
  return n;
}
