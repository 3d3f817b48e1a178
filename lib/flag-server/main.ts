// Entry point of the flag server (its own process; see docs/flag-serving.md):
//   DATABASE_URL=postgres://… FLAGS_PORT=3001 npx tsx lib/flag-server/main.ts
// Optional: FLAGS_HOST (bind address), FLAGS_PUBLIC_URL (origin advertised for the SSE stream),
// SWITCHYARD_ADMIN_TOKEN (accepted as an admin token for the .env/.json export).
import { env } from '../env';
import { startFlagServer } from './server';

async function main(): Promise<void> {
  const e = env();
  const server = await startFlagServer({
    databaseUrl: e.DATABASE_URL,
    port: e.FLAGS_PORT,
    host: process.env.FLAGS_HOST || undefined,
    publicUrl: e.FLAGS_PUBLIC_URL,
    adminToken: e.SWITCHYARD_ADMIN_TOKEN,
  });
  console.log(`[flags] OFREP flag server listening on ${server.url} (pid ${process.pid}); waiting for the first snapshot`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[flags] ${signal}: closing`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('[flags] error while closing:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
