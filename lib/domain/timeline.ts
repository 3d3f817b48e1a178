// Planned vs actual for every phase, and a forecast of the end date. Actual dates come from the
// audit trail (the transitions that entered and left each phase); planned dates chain the
// phases' minimum durations from the actual start. Pure.

export interface TimelinePhase {
  key: string;
  name: string;
  minDurationSeconds: number;
}

export interface TimelineEvent {
  action: string;
  at: Date;
  toPhase: string | null;
  fromPhase: string | null;
  toStatus: string | null;
}

export interface PhaseTimeline {
  key: string;
  name: string;
  plannedStart: Date | null;
  plannedEnd: Date | null;
  /** when the phase was last entered, and left (null while current or never entered) */
  actualStart: Date | null;
  actualEnd: Date | null;
  /** seconds spent in the phase over every visit */
  actualSeconds: number;
  status: 'pending' | 'current' | 'done';
}

export interface Timeline {
  startedAt: Date | null;
  phases: PhaseTimeline[];
  /** planned end if every remaining phase takes exactly its minimum from now */
  forecastEnd: Date | null;
  completedAt: Date | null;
}

const TRANSITIONS = new Set(['start', 'promote', 'pause', 'resume', 'rollback', 'abort']);

export function buildTimeline(phases: TimelinePhase[], events: TimelineEvent[], now: Date, current: { status: string; currentPhaseIndex: number | null }): Timeline {
  const evs = events.filter((e) => TRANSITIONS.has(e.action)).sort((a, b) => a.at.getTime() - b.at.getTime());
  const lastStart = [...evs].reverse().find((e) => e.action === 'start');
  const startedAt = lastStart?.at ?? null;
  const byKey = new Map(phases.map((p) => [p.key, { start: null as Date | null, end: null as Date | null, seconds: 0 }]));
  // walk the transitions since the last start: each one leaves fromPhase and enters toPhase
  let inPhase: string | null = null;
  let since: Date | null = null;
  let completedAt: Date | null = null;
  for (const e of evs) {
    if (startedAt && e.at < startedAt) continue;
    const enter = e.toPhase;
    if (inPhase !== enter || e.action === 'start') {
      if (inPhase && since) {
        const p = byKey.get(inPhase);
        if (p) {
          p.end = e.at;
          p.seconds += (e.at.getTime() - since.getTime()) / 1000;
        }
      }
      if (enter) {
        const p = byKey.get(enter);
        if (p) {
          p.start = e.at;
          p.end = null;
        }
      }
      inPhase = enter;
      since = e.at;
    }
    if (e.toStatus === 'completed') {
      completedAt = e.at;
      if (inPhase && since) {
        const p = byKey.get(inPhase);
        if (p) {
          p.end = e.at;
          p.seconds += (e.at.getTime() - since.getTime()) / 1000;
        }
      }
      inPhase = null;
      since = null;
    }
  }
  if (inPhase && since) {
    const p = byKey.get(inPhase);
    if (p) p.seconds += (now.getTime() - since.getTime()) / 1000;
  }

  let plannedCursor = startedAt;
  const out: PhaseTimeline[] = phases.map((p, i) => {
    const a = byKey.get(p.key)!;
    const plannedStart = plannedCursor;
    const plannedEnd = plannedStart ? new Date(plannedStart.getTime() + p.minDurationSeconds * 1000) : null;
    plannedCursor = plannedEnd;
    const isCurrent = (current.status === 'active' || current.status === 'paused') && current.currentPhaseIndex === i;
    const done = current.status === 'completed' ? true : current.currentPhaseIndex !== null && i < current.currentPhaseIndex && !!a.start;
    return {
      key: p.key,
      name: p.name,
      plannedStart,
      plannedEnd,
      actualStart: a.start,
      actualEnd: isCurrent ? null : a.end,
      actualSeconds: Math.round(a.seconds),
      status: isCurrent ? 'current' : done ? 'done' : 'pending',
    };
  });

  let forecastEnd: Date | null = null;
  if (current.status === 'completed') forecastEnd = completedAt;
  else if ((current.status === 'active' || current.status === 'paused') && current.currentPhaseIndex !== null) {
    const i = current.currentPhaseIndex;
    const cur = out[i];
    const elapsed = cur.actualStart ? (now.getTime() - cur.actualStart.getTime()) / 1000 : 0;
    let left = Math.max(0, phases[i].minDurationSeconds - elapsed);
    for (let j = i + 1; j < phases.length; j++) left += phases[j].minDurationSeconds;
    forecastEnd = new Date(now.getTime() + left * 1000);
  } else if (current.status === 'draft' || current.status === 'rolled_back') {
    const total = phases.reduce((s, p) => s + p.minDurationSeconds, 0);
    forecastEnd = new Date(now.getTime() + total * 1000);
  }
  return { startedAt, phases: out, forecastEnd, completedAt };
}
