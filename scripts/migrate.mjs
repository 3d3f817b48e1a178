// Applies prisma/migrations/* to DATABASE_URL, recording them in `_prisma_migrations` exactly
// as `prisma migrate deploy` does — by running Prisma's own schema engine, compiled to WASM,
// because the CLI's native engine can't be downloaded here. Where the native engine is
// available, `prisma migrate deploy` works on the same folder and the same table.
// See docs/decisions/0001-prisma-migrations-without-native-engine.md.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadSchemaEngine, migrationAdapterFactory } from './schema-engine.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const migDir = path.join(root, 'prisma/migrations');

export function readMigrations() {
  const dirs = readdirSync(migDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(migDir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
  return {
    baseDir: migDir,
    lockfile: { path: 'migration_lock.toml', content: readFileSync(path.join(migDir, 'migration_lock.toml'), 'utf8') },
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value: readFileSync(path.join(migDir, d, 'migration.sql'), 'utf8') } },
    })),
    shadowDbInitScript: '',
  };
}

export async function migrate(databaseUrl, { log = console.log } = {}) {
  if (!databaseUrl) throw new Error('migrate: DATABASE_URL is not set');
  const schemaPath = path.join(root, 'prisma/schema.prisma');
  const schema = readFileSync(schemaPath, 'utf8');
  const SchemaEngine = await loadSchemaEngine();
  const adapter = await migrationAdapterFactory(databaseUrl);
  const engine = await SchemaEngine.new({ datamodels: [[schemaPath, schema]] }, () => {}, adapter.factory);
  try {
    const out = await engine.applyMigrations({
      migrationsList: readMigrations(),
      filters: { externalTables: [], externalEnums: [] },
    });
    const names = out.appliedMigrationNames;
    log(names.length ? `[migrate] applied ${names.join(', ')}` : '[migrate] database is up to date');
    return names;
  } finally {
    engine.free?.();
    await adapter.dispose();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  migrate(process.env.DATABASE_URL).then(
    () => process.exit(0),
    (e) => {
      console.error(`[migrate] failed: ${e?.message ?? e}`);
      process.exit(1);
    },
  );
}
