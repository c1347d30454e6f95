import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readMigrationFiles as drizzleReader } from 'drizzle-orm/migrator';
import { readMigrationFiles } from '../../src_refactored/infrastructure/persistence/migration-files.js';
import { packageRoot } from '../../src_refactored/shared/package-root.js';

// The engine reads drizzle-kit's migrations itself (drizzle-orm/migrator cost every process ~3 MB to load):
// the records must stay drizzle's, since the hash and created_at are what __drizzle_migrations keeps.
describe('migration files', () => {
  it.each([['drizzle'], ['drizzle/postgres']])('reads %s exactly as drizzle-orm/migrator does', (folder) => {
    const path = join(packageRoot(), folder);
    const ours = readMigrationFiles(path);
    const theirs = drizzleReader({ migrationsFolder: path }).map(({ sql, folderMillis, hash }) => ({ sql, folderMillis, hash }));
    expect(ours.length).toBeGreaterThan(5);
    expect(ours).toEqual(theirs);
  });
});
