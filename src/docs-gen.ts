/**
 * Generated documentation: the error catalogue and the configuration table are written from the
 * code, and a test fails when the committed files drift (`npm run docs:gen` refreshes them).
 */
import { ERROR_CATALOGUE, EXIT } from './errors.js';
import { SETTINGS } from './config/config.schema.js';

const exitName = (code: number): string =>
  Object.entries(EXIT).find(([, v]) => v === code)?.[0] ?? String(code);

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(
    ([code, e]) => `| \`${code}\` | ${e.status} | ${e.exit} (${exitName(e.exit)}) | ${e.message} |`,
  );
  return [
    '# Errors',
    '',
    '<!-- Generated from src/errors.ts by `npm run docs:gen`; do not edit by hand. -->',
    '',
    'Every error the API returns is JSON `{ "code": "ERR_…", "message": "…" }` with the HTTP status below;',
    'the CLI prints one line `gramscope: ERR_…: message` and exits with the code below. Stack traces and',
    'internal paths never leave the process; they are logged.',
    '',
    '| code | HTTP | CLI exit | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    '## CLI exit codes',
    '',
    '| exit | meaning |',
    '|---|---|',
    ...Object.entries(EXIT).map(([name, v]) => `| ${v} | ${name} |`),
    '',
  ].join('\n');
}

export function renderConfigurationDoc(): string {
  const fmt = (v: unknown): string =>
    Array.isArray(v) ? (v.length ? v.join(',') : '(empty)') : v === '' ? '(empty)' : String(v);
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/config.schema.ts by `npm run docs:gen`; do not edit by hand. -->',
    '',
    'Every setting comes from an environment variable (command-line flags of `gramscope serve` win over',
    'them). All settings are validated once at start-up; every invalid one is named in a single',
    '`ERR_CONFIG_INVALID` error and the process exits with code 78.',
    '',
    '| variable | default | meaning |',
    '|---|---|---|',
    ...SETTINGS.map((s) => `| \`${s.env}\` | \`${fmt(s.default)}\` | ${s.description} |`),
    '',
  ].join('\n');
}
