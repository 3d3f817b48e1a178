// Writes a rollout's flag state vector into flag_values for every environment, inside the
// caller's transaction. Environments whose values changed get their revision bumped and a
// NOTIFY on `switchyard_flags` — delivered by Postgres only when the transaction commits, so
// the flag server never sees a change that was rolled back.
import type { Tx } from '../db';
import { flagStateFor, type FlagDef, type PhaseDef } from '../domain/flag-state';

export const FLAGS_CHANNEL = 'switchyard_flags';

export type EnvFlagMap = Record<string, Record<string, unknown>>;

export interface FlagStateChange {
  before: EnvFlagMap;
  after: EnvFlagMap;
  changedEnvironments: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function applyFlagState(
  tx: Tx,
  flags: (FlagDef & { id: string })[],
  phases: PhaseDef[],
  currentPhaseIndex: number | null,
): Promise<FlagStateChange> {
  const envs = await tx.environment.findMany({ orderBy: { key: 'asc' } });
  const existing = await tx.flagValue.findMany({ where: { flagId: { in: flags.map((f) => f.id) } } });
  const existingBy = new Map(existing.map((v) => [`${v.flagId}/${v.environmentId}`, v]));

  const before: EnvFlagMap = {};
  const after: EnvFlagMap = {};
  const changedEnvIds: string[] = [];
  const changedEnvKeys: string[] = [];
  const writes: { flag_id: string; environment_id: string; value: unknown; phase_key: string | null }[] = [];

  for (const env of envs) {
    const target = flagStateFor(flags, phases, currentPhaseIndex, env.key);
    before[env.key] = {};
    after[env.key] = {};
    let changed = false;
    for (const f of flags) {
      const cur = existingBy.get(`${f.id}/${env.id}`);
      const want = target[f.key];
      before[env.key][f.key] = cur ? cur.value : null;
      after[env.key][f.key] = want.value;
      if (cur && same(cur.value, want.value) && cur.phaseKey === want.phaseKey) continue;
      changed = true;
      writes.push({ flag_id: f.id, environment_id: env.id, value: want.value ?? null, phase_key: want.phaseKey });
    }
    if (changed) {
      changedEnvIds.push(env.id);
      changedEnvKeys.push(env.key);
    }
  }

  if (writes.length) {
    // one multi-row upsert, however many flags and environments changed (a plan may have
    // thousands of flags). jsonb_to_recordset reads a JSON null as SQL NULL: stored back as JSON null.
    await tx.$executeRaw`
      INSERT INTO flag_values (flag_id, environment_id, value, phase_key, updated_at)
      SELECT w.flag_id, w.environment_id, COALESCE(w.value, 'null'::jsonb), w.phase_key, now()
      FROM jsonb_to_recordset(${JSON.stringify(writes)}::jsonb)
        AS w(flag_id uuid, environment_id uuid, value jsonb, phase_key text)
      ON CONFLICT (flag_id, environment_id)
        DO UPDATE SET value = EXCLUDED.value, phase_key = EXCLUDED.phase_key, updated_at = EXCLUDED.updated_at`;
  }

  if (changedEnvIds.length) {
    // one round trip: bump the revisions and queue a NOTIFY per environment (sent at COMMIT)
    await tx.$queryRaw`
      WITH bumped AS (
        UPDATE environments SET revision = revision + 1
        WHERE id = ANY(${changedEnvIds}::uuid[])
        RETURNING key, revision
      )
      SELECT key, pg_notify(${FLAGS_CHANNEL}, json_build_object('environment', key, 'revision', revision)::text)::text AS notified
      FROM bumped`;
  }
  return { before, after, changedEnvironments: changedEnvKeys };
}
