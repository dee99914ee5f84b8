import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationDoc, renderErrorsDoc } from '../src/docs-gen.js';
import { ERROR_CATALOGUE } from '../src/errors.js';

describe('generated docs stay in step with the code (run `npm run docs:gen`)', () => {
  it('documents every error code', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderErrorsDoc());
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(doc).toContain(`\`${code}\``);
  });

  it('documents every setting', () => {
    expect(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')).toBe(
      renderConfigurationDoc(),
    );
  });
});
