// Server-side latency of promote + rollback with a realistically filled database:
// 100 rollouts and 100k audit rows (target: p95 ≤ 50 ms). Calls the same service functions
// the REST API and the server actions call, in-process, so the figure is the use case's
// cost (authorize, load, CAS, flag values, audit, NOTIFY, read model) without HTTP.
//   npx tsx bench/transitions.ts            (ROLLOUTS=100 AUDIT_ROWS=100000 CYCLES=300)
//   SMOKE=1 npx tsx bench/transitions.ts    (small counts, for CI)
import { SYSTEM_ACTOR } from '../lib/auth/actor';
import { createPrisma, setPrisma } from '../lib/db';
import { createRollout } from '../lib/services/create-rollout';
import { transitionRollout } from '../lib/services/transition-rollout';
import { benchDatabase, percentile } from './db';

const smoke = process.env.SMOKE === '1';
const ROLLOUTS = Number(process.env.ROLLOUTS ?? (smoke ? 10 : 100));
const AUDIT_ROWS = Number(process.env.AUDIT_ROWS ?? (smoke ? 5000 : 100_000));
const CYCLES = Number(process.env.CYCLES ?? (smoke ? 30 : 300));

const plan = (i: number) => ({
  key: `bench-${i}`,
  name: `Bench rollout ${i}`,
  flags: [
    { key: `BENCH_ENGINE_${i}`, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' },
    { key: `BENCH_PARALLEL_${i}`, type: 'number', baseline: 3 },
  ],
  phases: [
    { key: 'dual', name: 'Dual', flags: { [`BENCH_ENGINE_${i}`]: 'dual' } },
    { key: 'v2', name: 'V2', environments: ['production'], flags: { [`BENCH_ENGINE_${i}`]: 'v2', [`BENCH_PARALLEL_${i}`]: 4 } },
    { key: 'full', name: 'Full', flags: { [`BENCH_PARALLEL_${i}`]: 5 } },
  ],
});

async function main() {
  const db = await benchDatabase('switchyard_bench_transitions');
  const prisma = createPrisma(db.url);
  setPrisma(prisma);
  try {
    await prisma.environment.createMany({ data: [{ key: 'staging', name: 'Staging', sortOrder: 0 }, { key: 'production', name: 'Production', sortOrder: 1 }] });
    for (let i = 0; i < ROLLOUTS; i++) {
      await createRollout(SYSTEM_ACTOR, plan(i));
      await transitionRollout(SYSTEM_ACTOR, { key: `bench-${i}`, action: 'start', expectedVersion: 1, reason: 'bench setup' });
    }
    // bulk history, spread over the rollouts, written directly (the audit table only takes INSERTs)
    await prisma.$executeRawUnsafe(`
      INSERT INTO audit_events (rollout_id, actor_type, actor_name, action, from_status, to_status, from_version, to_version, reason, flags_before, flags_after, created_at)
      SELECT r.id, 'user', 'history', 'promote', 'active', 'active', g, g + 1, 'historical event ' || g,
             '{"production":{"X":"v1"}}'::jsonb, '{"production":{"X":"dual"}}'::jsonb, now() - (g || ' seconds')::interval
      FROM generate_series(1, ${AUDIT_ROWS}) g
      JOIN LATERAL (SELECT id FROM rollouts ORDER BY key OFFSET (g % ${ROLLOUTS}) LIMIT 1) r ON true`);
    await prisma.$executeRawUnsafe('ANALYZE');
    const auditCount = await prisma.auditEvent.count();

    const version = new Map<string, number>();
    for (let i = 0; i < ROLLOUTS; i++) version.set(`bench-${i}`, 2);
    const promote: number[] = [];
    const rollback: number[] = [];
    const warm = Math.min(20, CYCLES);
    for (let c = 0; c < CYCLES + warm; c++) {
      const key = `bench-${c % ROLLOUTS}`;
      let t = performance.now();
      let r = await transitionRollout(SYSTEM_ACTOR, { key, action: 'promote', expectedVersion: version.get(key)!, reason: 'bench promote' });
      const dp = performance.now() - t;
      t = performance.now();
      r = await transitionRollout(SYSTEM_ACTOR, { key, action: 'rollback', to: 'dual', expectedVersion: r.version, reason: 'bench rollback' });
      const dr = performance.now() - t;
      version.set(key, r.version);
      if (c >= warm) {
        promote.push(dp);
        rollback.push(dr);
      }
    }
    const fmt = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return `p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms (n=${s.length})`;
    };
    const all = [...promote, ...rollback].sort((a, b) => a - b);
    console.log(`# transitions bench — ${new Date().toISOString().slice(0, 10)}: ${ROLLOUTS} rollouts, ${auditCount} audit rows, ${CYCLES} promote+rollback cycles (after ${warm} warm-up), ${db.server}, node ${process.version}`);
    console.log(`promote:  ${fmt(promote)}`);
    console.log(`rollback: ${fmt(rollback)}`);
    const p95 = percentile(all, 95);
    console.log(`${p95 <= 50 ? 'PASS' : 'MISS'} promote + rollback p95 ≤ 50 ms: ${p95.toFixed(1)} ms`);
  } finally {
    await prisma.$disconnect();
    await db.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
