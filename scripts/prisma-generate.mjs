// Runs `prisma generate` without letting the CLI download a native schema engine.
// Prisma 7's client is pure TS/WASM; `generate` only needs *some* executable path for the
// schema engine (see docs/decisions/0001-prisma-migrations-without-native-engine.md).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'node_modules/prisma/build/index.js');
if (!existsSync(cli)) {
  console.log('[prisma-generate] prisma CLI not installed yet; skipping');
  process.exit(0);
}
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'scripts/schema-engine-placeholder.sh');
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const r = spawnSync(process.execPath, [cli, 'generate'], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
