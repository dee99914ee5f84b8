import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-specimens-reviews-deliveries.js';
import * as m0003 from './0003-models.js';
import * as m0004 from './0004-security.js';
import * as m0005 from './0005-retention.js';
import * as m0006 from './0006-model-activations.js';

/**
 * Migrations in order, imported statically so they work from sources and from the build alike.
 * Add new ones at the end with the next number; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-specimens-reviews-deliveries': m0002,
  '0003-models': m0003,
  '0004-security': m0004,
  '0005-retention': m0005,
  '0006-model-activations': m0006,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(MIGRATIONS),
};
