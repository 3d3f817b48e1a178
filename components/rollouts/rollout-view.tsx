'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, useSyncExternalStore } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { can, type Role } from '@/lib/auth/actor';
import { transition, TRANSITIONS, type RolloutAction } from '@/lib/domain/lifecycle';
import { ACTION_PAST, formatElapsed } from '@/lib/format';
import type { AuditEntry, RolloutDetail } from '@/lib/queries/rollouts';
import { fetchAudit, fetchReadiness, fetchRollout, fetchSignoffs, POLL_MS, rolloutKeys } from './api';
import { AuditTrail } from './audit-trail';
import { ChecklistPanel } from './checklist-panel';
import { DecisionMatrix } from './decision-matrix';
import { ReadinessPanel } from './readiness-panel';
import { SignoffSheet } from './signoff-sheet';
import { FlagTable } from './flag-table';
import { FlagValue } from './flag-value';
import { PhaseStepper } from './phase-stepper';
import { StatusBadge } from './status-badge';
import { TimelineGantt } from './timeline-gantt';
import { TransitionDialog } from './transition-dialog';

const BUTTON_VARIANT: Record<RolloutAction, 'primary' | 'secondary' | 'danger' | 'warning'> = {
  start: 'primary',
  promote: 'primary',
  resume: 'primary',
  pause: 'secondary',
  rollback: 'secondary',
  abort: 'danger',
};

/** the clock, ticking every `everyMs`; null while rendering on the server (no hydration mismatch) */
function useNow(everyMs: number): number | null {
  return useSyncExternalStore(
    (onTick) => {
      const t = setInterval(onTick, everyMs);
      return () => clearInterval(t);
    },
    () => Math.floor(Date.now() / everyMs) * everyMs,
    () => null,
  );
}

/** Time in the current phase against its planned minimum. */
function Soak({ rollout }: { rollout: RolloutDetail }) {
  const now = useNow(15_000);
  const phase = rollout.currentPhase ? rollout.phases[rollout.currentPhase.index] : null;
  const soaking = rollout.status === 'active' || rollout.status === 'paused';
  if (!phase || !soaking || !rollout.phaseEnteredAt || now === null) return null;
  const elapsed = now - new Date(rollout.phaseEnteredAt).getTime();
  const min = phase.minDurationSeconds * 1000;
  const pct = min ? Math.min(100, Math.round((elapsed / min) * 100)) : 100;
  const met = elapsed >= min;
  return (
    <div className="text-sm" data-testid="soak">
      <div className="flex justify-between gap-4 text-slate-600">
        <span>
          In <span className="font-medium text-slate-900">{phase.name}</span> for {formatElapsed(elapsed)}
        </span>
        <span>{min ? (met ? `minimum ${phase.minDuration} reached` : `minimum ${phase.minDuration} · ${formatElapsed(min - elapsed)} to go`) : 'no planned minimum'}</span>
      </div>
      <div className="mt-1.5 h-1.5 rounded-full bg-slate-200">
        <div className={`h-1.5 rounded-full ${met ? 'bg-emerald-500' : 'bg-indigo-500'}`} style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export function RolloutView({ initial, initialAudit, canTransition, role }: { initial: RolloutDetail; initialAudit: AuditEntry[]; canTransition: boolean; role?: Role }) {
  const qc = useQueryClient();
  const key = initial.key;
  const { data: rollout = initial } = useQuery({ queryKey: rolloutKeys.detail(key), queryFn: () => fetchRollout(key), initialData: initial, refetchInterval: POLL_MS });
  const { data: audit = initialAudit } = useQuery({ queryKey: rolloutKeys.audit(key), queryFn: () => fetchAudit(key), initialData: initialAudit, refetchInterval: POLL_MS });
  const { data: readiness } = useQuery({ queryKey: rolloutKeys.readiness(key), queryFn: () => fetchReadiness(key), refetchInterval: POLL_MS });
  const gate = readiness?.to?.key ?? null;
  const { data: sheet } = useQuery({ queryKey: rolloutKeys.signoffs(key, gate ?? ''), queryFn: () => fetchSignoffs(key, gate!), enabled: !!gate, refetchInterval: POLL_MS });
  const who = role ? { kind: 'user' as const, id: null, name: '', role } : null;
  const canTick = can(who, 'checklist.tick');
  const canOverride = can(who, 'rollout.override');
  const [action, setAction] = useState<RolloutAction | null>(null);
  const [notice, setNotice] = useState<{ tone: 'success' | 'warning'; text: string } | null>(null);
  const [selected, setSelected] = useState<number | null>(rollout.currentPhase?.index ?? null);
  const shownPhase = rollout.phases[selected ?? rollout.currentPhase?.index ?? 0];

  // every query of this rollout (detail, audit, readiness, sign-off sheets) starts with ['rollout', key]
  const refresh = () => Promise.all([qc.invalidateQueries({ queryKey: rolloutKeys.detail(key) }), qc.invalidateQueries({ queryKey: rolloutKeys.list })]);

  const actions = canTransition ? rollout.allowedActions : [];
  // the lifecycle table decides whether this promote ends the rollout
  const promoted = transition({ status: rollout.status, currentPhaseIndex: rollout.currentPhase?.index ?? null, version: rollout.version }, 'promote', rollout.phases.length);
  const promoteCompletes = promoted.ok && promoted.next.status === 'completed';

  return (
    <div className="space-y-6">
      <div>
        <Link href="/rollouts" className="text-sm text-slate-600 hover:text-slate-800">
          ← Rollouts
        </Link>
        <div className="mt-2 flex flex-wrap items-start justify-between gap-4">
          <div className="min-w-0">
            <div className="flex flex-wrap items-center gap-3">
              <h1 className="text-2xl font-semibold tracking-tight">{rollout.name}</h1>
              <StatusBadge status={rollout.status} />
              <span className="text-xs text-slate-600" data-testid="rollout-version">
                v{rollout.version}
              </span>
            </div>
            <p className="mt-1 font-mono text-xs text-slate-600">
              {rollout.key}
              {rollout.owner ? <span className="font-sans"> · owner: {rollout.owner}</span> : null}
            </p>
            <Link href={`/rollouts/${encodeURIComponent(rollout.key)}/evidence`} className="mt-1 inline-block text-sm font-medium text-indigo-700 underline hover:text-indigo-900" data-testid="evidence-link">
              Evidence: metrics and comparisons
            </Link>
            {can(who, 'rollout.create') && rollout.status !== 'completed' && rollout.status !== 'aborted' && (
              <Link href={`/rollouts/${encodeURIComponent(rollout.key)}/edit`} className="mt-1 ml-4 inline-block text-sm font-medium text-indigo-700 underline hover:text-indigo-900" data-testid="edit-plan-link">
                Edit plan
              </Link>
            )}
          </div>
          {actions.length > 0 && (
            <div className="flex max-w-xl flex-wrap items-start justify-end gap-2" role="group" aria-label="Rollout actions">
              {actions.map((a) => (
                <Button key={a} variant={BUTTON_VARIANT[a]} onClick={() => setAction(a)} data-testid={`action-${a}`} title={TRANSITIONS[a].description}>
                  {a === 'promote' && promoteCompletes ? 'Complete' : TRANSITIONS[a].label}
                </Button>
              ))}
              {readiness && readiness.action && actions.includes(readiness.action) && !readiness.ready && (
                <a href="#readiness" className="self-center text-sm font-medium text-red-800 underline" data-testid="why-blocked">
                  <span aria-hidden="true">✗ </span>Why is this blocked?
                </a>
              )}
              {/* what the plan says to do about an issue in this phase, read before rolling back */}
              {actions.includes('rollback') && rollout.currentPhase && rollout.phases[rollout.currentPhase.index] && (
                <DecisionMatrix phase={rollout.phases[rollout.currentPhase.index]} className="basis-full" />
              )}
            </div>
          )}
        </div>
        {rollout.description && <p className="mt-3 max-w-4xl text-sm text-slate-600">{rollout.description}</p>}
      </div>

      {notice && (
        <div className="flex items-start justify-between gap-4">
          <div className="flex-1">
            <Alert tone={notice.tone} role="status">
              {notice.text}
            </Alert>
          </div>
          <Button variant="ghost" size="sm" onClick={() => setNotice(null)} aria-label="Dismiss">
            ✕
          </Button>
        </div>
      )}

      <Card title="Phases">
        <div className="space-y-4">
          <PhaseStepper phases={rollout.phases} atBaseline={rollout.currentPhase === null && rollout.status !== 'completed'} selected={selected} onSelect={setSelected} />
          <Soak rollout={rollout} />
          {shownPhase && (
            <div className="rounded-md bg-slate-50 p-4 ring-1 ring-slate-200" data-testid="phase-details">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <h3 className="font-medium">
                  Phase {shownPhase.index + 1}: {shownPhase.name}
                </h3>
                <span className="text-xs text-slate-600">
                  {shownPhase.status} · {shownPhase.minDurationSeconds ? `planned minimum ${shownPhase.minDuration}` : 'no planned minimum'} ·{' '}
                  {shownPhase.environments.length ? `applies to ${shownPhase.environments.join(', ')}` : 'applies to every environment'}
                </span>
              </div>
              {shownPhase.description && <p className="mt-2 text-sm text-slate-600">{shownPhase.description}</p>}
              <div className="mt-3 text-xs font-semibold tracking-wide text-slate-600 uppercase">Sets</div>
              {Object.keys(shownPhase.flags).length ? (
                <ul className="mt-1 space-y-1.5">
                  {Object.entries(shownPhase.flags).map(([k, v]) => (
                    <li key={k} className="flex flex-wrap items-start gap-2 text-sm">
                      <span className="font-mono text-xs font-semibold">{k}</span>
                      <FlagValue value={v} />
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="mt-1 text-sm text-slate-600">No flag changes: values carry over from the previous phase.</p>
              )}
            </div>
          )}
        </div>
      </Card>

      <Card title="Timeline: planned vs actual">
        <TimelineGantt rolloutKey={key} />
      </Card>

      {readiness?.action && (
        <div id="readiness" className="scroll-mt-4" data-version={readiness.version}>
          <Card title={`Readiness: ${readiness.action === 'start' ? 'start' : readiness.to ? 'promote' : 'complete'}${readiness.to ? ` into ${readiness.to.name}` : ''}`}>
            <ReadinessPanel readiness={readiness} />
          </Card>
        </div>
      )}

      {gate && (
        <div className="grid gap-6 lg:grid-cols-2">
          <Card title={`Checklist: entering ${readiness?.to?.name ?? gate}`}>
            <ChecklistPanel rolloutKey={key} readiness={readiness} canTick={canTick} onChanged={() => void refresh()} />
          </Card>
          <Card title={`Sign-offs: entering ${readiness?.to?.name ?? gate}`}>
            <SignoffSheet sheet={sheet} canPromote={canTransition} onChanged={() => void refresh()} />
          </Card>
        </div>
      )}

      <Card title="Flag state">
        <FlagTable rollout={rollout} />
      </Card>

      <Card title="Audit trail">
        <AuditTrail events={audit} environments={rollout.environments} />
      </Card>

      <TransitionDialog
        rollout={rollout}
        action={action}
        readiness={readiness}
        canOverride={canOverride}
        onClose={() => setAction(null)}
        onDone={(r) => {
          qc.setQueryData(rolloutKeys.detail(key), r);
          setSelected(r.currentPhase?.index ?? null);
          const where = r.status === 'completed' ? 'every phase done' : r.currentPhase ? `at ${r.currentPhase.name}` : 'every flag at its baseline';
          const done = ACTION_PAST[action ?? ''] ?? String(action);
          setNotice({ tone: 'success', text: `${done[0].toUpperCase()}${done.slice(1)} — now ${r.status.replace('_', ' ')}, ${where} (v${r.version}).` });
          void refresh();
        }}
        onConflict={(message) => {
          setNotice({ tone: 'warning', text: `Someone else changed this rollout — reloaded. Check the new state before trying again. (${message})` });
          void refresh();
        }}
      />
    </div>
  );
}
