// Loads @prisma/schema-engine-wasm under plain Node. The package is built for bundlers
// (`import * as wasm from "./x.wasm"`), which Node's ESM loader refuses, so we instantiate
// the .wasm ourselves and hand it to the generated bindings, as the bundler glue would.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

export async function loadSchemaEngine() {
  const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const bg = await import(pathToFileURL(path.join(pkgDir, 'schema_engine_bg.js')).href);
  const bytes = readFileSync(path.join(pkgDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start?.();
  return bg.SchemaEngine;
}

// @prisma/adapter-pg's executeScript splits a migration on every ';', which breaks any
// function body (plpgsql) in a migration. Prisma's native engine sends the script whole;
// so do we: Postgres' simple-query protocol runs a multi-statement script as one call.
export async function migrationAdapterFactory(connectionString) {
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const { bindMigrationAwareSqlAdapterFactory } = await import('@prisma/driver-adapter-utils');
  const factory = new PrismaPg({ connectionString });
  const opened = [];
  const patch = (adapter) => {
    opened.push(adapter);
    adapter.executeScript = async (script) => {
      try {
        await adapter.client.query(script);
      } catch (error) {
        adapter.onError(error);
      }
    };
    return adapter;
  };
  const bound = bindMigrationAwareSqlAdapterFactory({
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch(await factory.connect()),
    connectToShadowDb: async () => patch(await factory.connectToShadowDb()),
  });
  // the engine never closes its connections; the caller does, so the database can be
  // renamed, cloned or dropped right after migrating
  const dispose = async () => {
    for (const a of opened.splice(0)) await a.dispose?.().catch(() => {});
  };
  return { factory: bound, dispose };
}
