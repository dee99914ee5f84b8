/**
 * A model's class names: read from the ONNX metadata (Ultralytics writes `names` as a Python dict
 * literal, e.g. `{0: 'cons', 1: "s_aureus"}`) or from a labels file (one name per line, Ultralytics
 * `data.yaml`, or JSON), and mapped onto TAXONOMY label keys. Unmapped names are kept and reported.
 */
import { parseYaml } from './lazy-yaml.js';
import { AppError } from '../errors.js';
import { mapLabelName, type LabelKey } from '../domain/taxonomy.js';

const MAX_CLASSES = 10_000;
const MAX_NAME_LENGTH = 200;

function labelsError(message: string): AppError {
  return new AppError('ERR_MODEL_LABELS', message);
}

/** A minimal reader for the Python literals Ultralytics writes: a dict of int → str, or a list of str. */
class PythonLiteralReader {
  #pos = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  #skip(): void {
    while (this.#pos < this.#text.length && /\s/.test(this.#text[this.#pos])) this.#pos++;
  }

  #peek(): string {
    this.#skip();
    return this.#text[this.#pos] ?? '';
  }

  #expect(ch: string): void {
    if (this.#peek() !== ch) throw labelsError(`Class names: expected "${ch}" at offset ${this.#pos}`);
    this.#pos++;
  }

  #integer(): number {
    this.#skip();
    const m = /^-?\d+/.exec(this.#text.slice(this.#pos, this.#pos + 12));
    if (!m) throw labelsError(`Class names: expected an integer key at offset ${this.#pos}`);
    this.#pos += m[0].length;
    return Number(m[0]);
  }

  #string(): string {
    const quote = this.#peek();
    if (quote !== "'" && quote !== '"')
      throw labelsError(`Class names: expected a string at offset ${this.#pos}`);
    this.#pos++;
    let out = '';
    while (this.#pos < this.#text.length) {
      const ch = this.#text[this.#pos++];
      if (ch === quote) return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.#text[this.#pos++] ?? '';
      const hex = (len: number): string => {
        const digits = this.#text.slice(this.#pos, this.#pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(digits)) throw labelsError('Class names: bad escape');
        this.#pos += len;
        return String.fromCodePoint(Number.parseInt(digits, 16));
      };
      switch (esc) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'x':
          out += hex(2);
          break;
        case 'u':
          out += hex(4);
          break;
        case 'U':
          out += hex(8);
          break;
        default:
          out += esc;
      }
    }
    throw labelsError('Class names: unterminated string');
  }

  read(): string[] {
    const open = this.#peek();
    const names: string[] = [];
    if (open === '{') {
      this.#pos++;
      const entries = new Map<number, string>();
      while (this.#peek() !== '}') {
        const key = this.#integer();
        this.#expect(':');
        entries.set(key, this.#string());
        if (entries.size > MAX_CLASSES) throw labelsError(`More than ${MAX_CLASSES} classes`);
        if (this.#peek() === ',') this.#pos++;
        else break;
      }
      this.#expect('}');
      for (let i = 0; i < entries.size; i++) {
        const name = entries.get(i);
        if (name === undefined) throw labelsError(`Class names: index ${i} is missing`);
        names.push(name);
      }
    } else if (open === '[') {
      this.#pos++;
      while (this.#peek() !== ']') {
        names.push(this.#string());
        if (names.length > MAX_CLASSES) throw labelsError(`More than ${MAX_CLASSES} classes`);
        if (this.#peek() === ',') this.#pos++;
        else break;
      }
      this.#expect(']');
    } else throw labelsError('Class names must be a dict or a list');
    if (this.#peek() !== '') throw labelsError('Class names: unexpected text after the literal');
    return names;
  }
}

function checkNames(names: unknown[]): string[] {
  if (names.length === 0) throw labelsError('The model declares no class names');
  return names.map((n, i) => {
    if (typeof n !== 'string' && typeof n !== 'number') throw labelsError(`Class ${i} has no name`);
    const name = String(n).trim();
    if (name === '' || name.length > MAX_NAME_LENGTH)
      throw labelsError(`Class ${i} has an empty or overlong name`);
    return name;
  });
}

/**
 * Parses Ultralytics' `names` metadata value.
 *
 * @example
 * parseNamesMetadata("{0: 'cons', 1: 'Staphylococcus aureus'}"); // ['cons', 'Staphylococcus aureus']
 */
export function parseNamesMetadata(text: string): string[] {
  return checkNames(new PythonLiteralReader(text).read());
}

/**
 * Parses a labels file: JSON (array or index-keyed object), YAML (Ultralytics `data.yaml` with
 * `names`, or a bare list/dict), or plain text with one name per line.
 *
 * @example
 * parseLabelsFile('cons\ns_aureus\n', 'labels.txt'); // ['cons', 's_aureus']
 */
export function parseLabelsFile(text: string, fileName: string): string[] {
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  const fromContainer = (value: unknown): string[] => {
    const names =
      value && typeof value === 'object' && !Array.isArray(value) && 'names' in value ? value.names : value;
    if (Array.isArray(names)) return checkNames(names);
    if (names && typeof names === 'object') {
      const entries = Object.entries(names as Record<string, unknown>);
      const list: unknown[] = [];
      for (const [k, v] of entries) {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= entries.length)
          throw labelsError(`Labels: bad class index "${k}"`);
        list[i] = v;
      }
      return checkNames(list);
    }
    throw labelsError('The labels file holds no list of names');
  };
  try {
    if (ext === 'json') return fromContainer(JSON.parse(text));
    if (ext === 'yaml' || ext === 'yml') return fromContainer(parseYaml(text, { maxAliasCount: 10 }));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('ERR_MODEL_LABELS', `The labels file is not valid ${ext.toUpperCase()}`, {
      cause: err,
    });
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return checkNames(lines);
}

export interface ClassMapping {
  /** The model's class index. */
  readonly index: number;
  /** The model's own class name. */
  readonly name: string;
  /** The TAXONOMY label it maps onto, or null when none (kept under its own name). */
  readonly label: LabelKey | null;
}

/**
 * Maps class names onto TAXONOMY keys by key, English or Japanese name, or alias.
 *
 * @example
 * mapClassNames(['Staphylococcus aureus', 'spore']);
 * // { classes: [{ index: 0, name: 'Staphylococcus aureus', label: 's_aureus' }, { index: 1, name: 'spore', label: null }], unmapped: ['spore'] }
 */
export function mapClassNames(names: readonly string[]): { classes: ClassMapping[]; unmapped: string[] } {
  const classes = names.map((name, index) => ({ index, name, label: mapLabelName(name) }));
  return { classes, unmapped: classes.filter((c) => c.label === null).map((c) => c.name) };
}
