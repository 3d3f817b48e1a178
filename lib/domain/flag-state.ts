// The flag state vector: what each flag's value is, per environment, for a rollout state.
// A phase applies to the environments it names (none named = all). In an environment, a flag
// takes the value set by the latest phase up to the current one that applies there and sets
// it; otherwise its baseline. Rolled back to baseline / aborted / draft: every flag at baseline.
export interface FlagDef {
  key: string;
  baseline: unknown;
}
export interface PhaseDef {
  key: string;
  environments: readonly string[];
  flags: Readonly<Record<string, unknown>>;
}
export interface FlagAssignment {
  /** plain value or targeting rule set */
  value: unknown;
  /** key of the phase that set it; null = baseline */
  phaseKey: string | null;
}

export function phaseAppliesTo(phase: Pick<PhaseDef, 'environments'>, env: string): boolean {
  return phase.environments.length === 0 || phase.environments.includes(env);
}

export function flagStateFor(
  flags: readonly FlagDef[],
  phases: readonly PhaseDef[],
  currentPhaseIndex: number | null,
  env: string,
): Record<string, FlagAssignment> {
  const state: Record<string, FlagAssignment> = {};
  for (const f of flags) state[f.key] = { value: f.baseline, phaseKey: null };
  if (currentPhaseIndex === null) return state;
  for (let i = 0; i <= currentPhaseIndex && i < phases.length; i++) {
    const ph = phases[i];
    if (!phaseAppliesTo(ph, env)) continue;
    for (const [k, v] of Object.entries(ph.flags)) if (k in state) state[k] = { value: v, phaseKey: ph.key };
  }
  return state;
}
