import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc, renderErrorsDoc } from '../src/docs-gen.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
process.stdout.write('docs/errors.md and docs/configuration.md written\n');
