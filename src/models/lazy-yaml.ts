/**
 * YAML parsing with the `yaml` package loaded on first use: model cards and label files are read
 * when an administrator registers a model, never on the way to a server's first answer (cold
 * start, SPEC §3). The parse stays synchronous (the package is CommonJS), like its callers.
 */
import { createRequire } from 'node:module';
import type * as yaml from 'yaml';
import type { DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from 'yaml';

const requireCjs = createRequire(import.meta.url);
let parser: typeof yaml.parse | undefined;

export function parseYaml(
  text: string,
  options: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions,
): unknown {
  parser ??= (requireCjs('yaml') as typeof yaml).parse;
  return parser(text, options);
}
