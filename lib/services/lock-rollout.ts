// Serialises the writes that readiness depends on. A promote reads the gate (checklist ticks and
// sign-offs) and then moves the rollout; a sign-off withdrawn at the same moment must either be
// seen by it or wait for it. Every such transaction first takes the rollout row FOR UPDATE, so
// they run one after another per rollout (other rollouts are unaffected).
import type { Tx } from '../db';

export async function lockRollout(tx: Tx, key: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM rollouts WHERE key = ${key} FOR UPDATE`;
}
