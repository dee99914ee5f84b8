/**
 * Reads an annotation JSON file within a size limit and turns parse errors into one line naming the
 * file, line and column. JSON.parse in Node 20 does not always say where it failed, so on failure a
 * small syntax scanner finds the first offending character.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { AppError } from '../../errors.js';

/** Line and column (1-based) of a character offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return { line, column: offset - last };
}

/**
 * Finds the first JSON syntax error: its offset and what was wrong. Returns null for valid JSON.
 * Only used after JSON.parse has failed, so it favours clarity over speed.
 */
export function locateJsonError(text: string): { offset: number; reason: string } | null {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (): string =>
    i >= n ? 'unexpected end of file' : `unexpected ${JSON.stringify(text[i])}`;
  class Fail extends Error {}
  const fail = (reason = describe()): never => {
    throw new Fail(reason);
  };
  const string = (): void => {
    i++;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') {
        i++;
        if (i >= n) fail();
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i])) fail('bad escape');
      } else if (text.charCodeAt(i) < 0x20) fail('control character in string');
      i++;
    }
    if (i >= n) fail('unterminated string');
    i++;
  };
  const value = (): void => {
    ws();
    if (i >= n) fail();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(i < n ? `expected a property name, found ${JSON.stringify(text[i])}` : undefined);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ":"${i < n ? `, found ${JSON.stringify(text[i])}` : ''}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i < n ? `expected "," or "}", found ${JSON.stringify(text[i])}` : undefined);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i < n ? `expected "," or "]", found ${JSON.stringify(text[i])}` : undefined);
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      return;
    }
    for (const lit of ['true', 'false', 'null'])
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    fail();
  };
  try {
    value();
    ws();
    if (i < n) fail(`unexpected ${JSON.stringify(text[i])} after the end of the document`);
    return null;
  } catch (err) {
    if (err instanceof Fail) return { offset: i, reason: err.message };
    throw err;
  }
}

/**
 * Parses JSON text; on failure throws ERR_DATASET_INVALID with `file:line:column`.
 *
 * @example
 * parseJsonText('{"a": 1,}', 'coco.json'); // throws "coco.json:1:9: not valid JSON (expected a property name, found "}")"
 */
export function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const found = locateJsonError(text) ?? { offset: 0, reason: 'not parseable' };
    const { line, column } = lineColumnAt(text, found.offset);
    throw new AppError('ERR_DATASET_INVALID', `${name}:${line}:${column}: not valid JSON (${found.reason})`);
  }
}

/** Reads and parses a JSON file no larger than `maxBytes`. */
export async function readJsonFile(path: string, maxBytes: number, name = basename(path)): Promise<unknown> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new AppError('ERR_DATASET_INVALID', `${name} is not a file`);
    size = s.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'ERR_DATASET_INVALID',
      `${name} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > maxBytes)
    throw new AppError('ERR_DATASET_TOO_LARGE', `${name} is ${size} bytes; at most ${maxBytes} are accepted`);
  const text = await readFile(path, 'utf8');
  return parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, name);
}
