'use client';
// A rollout's Evidence view (issue 8): readiness reasons, each criterion with its soak, per
// metric baseline vs candidate over time with its thresholds, the phase transitions and red-flag
// trips on the time axis, each relative criterion's ratio with its 95 % band, and the dual-run
// compatibility with its mismatch categories opening down to the results. Polls the REST API.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { TimeSeriesChart, type HLine } from '@/components/charts/time-series-chart';
import { fmt, timeLabel, type TimeMark } from '@/components/charts/time';
import { fetchReadiness, rolloutKeys } from '@/components/rollouts/api';
import { ReadinessPanel } from '@/components/rollouts/readiness-panel';
import { StatusBadge } from '@/components/rollouts/status-badge';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import type { RolloutStatus } from '@/lib/domain/lifecycle';
import type { CriterionView, EvidenceDashboard, MetricPanel, RatioPanel } from '@/lib/queries/dashboards';
import { DASHBOARD_POLL_MS, dashboardKeys, fetchEvidence } from './api';
import { MismatchTable } from './mismatch-table';
import { DEFAULT_RANGE, RANGES } from './ranges';
import { SoakBar } from './soak-bar';


const BASELINE = { color: '#475569', name: 'Baseline (v1)' };
const CANDIDATE = { color: '#4f46e5', name: 'Candidate (v2)' };
const STATUS: Record<string, { tone: 'green' | 'red' | 'amber'; word: string; icon: string }> = {
  pass: { tone: 'green', word: 'Passing', icon: '✓' },
  fail: { tone: 'red', word: 'Failing', icon: '✗' },
  inconclusive: { tone: 'amber', word: 'Inconclusive', icon: '?' },
};
const OP: Record<string, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '==': '=' };

function StatusWord({ status }: { status: string }) {
  const s = STATUS[status] ?? STATUS.inconclusive;
  return (
    <Badge tone={s.tone}>
      <span aria-hidden="true">{s.icon}&nbsp;</span>
      {s.word}
    </Badge>
  );
}

function marksOf(d: EvidenceDashboard): TimeMark[] {
  return [...d.transitions.map((t) => ({ at: t.at, label: t.label, kind: 'transition' as const })), ...d.redFlags.trips.map((t) => ({ at: t.at, label: `${t.severity} ${t.action}`, kind: 'red-flag' as const }))];
}

function last<T>(xs: T[], pick: (x: T) => number | null): number | null {
  for (let i = xs.length - 1; i >= 0; i--) {
    const v = pick(xs[i]);
    if (v !== null && Number.isFinite(v)) return v;
  }
  return null;
}

function MetricCard({ d, m }: { d: EvidenceDashboard; m: MetricPanel }) {
  const unit = m.unit;
  const data = m.points.map((p) => ({ t: new Date(p.at).getTime(), baseline: p.baseline, candidate: p.candidate }));
  const lines: HLine[] = m.thresholds.map((t) => ({
    y: t.value,
    label: `${t.source === 'redFlag' ? 'red flag' : 'threshold'}: ${t.arm} ${OP[t.op]} ${fmt(t.value, unit)}`,
    color: t.source === 'redFlag' ? '#b91c1c' : '#047857',
    dashed: t.source === 'redFlag',
  }));
  const series = m.arms.map((a) => (a === 'baseline' ? { key: 'baseline', ...BASELINE, dashed: true } : { key: 'candidate', ...CANDIDATE }));
  const title = `${m.label}${m.stat === 'mean' ? '' : ` (${m.stat})`}${unit ? `, ${unit}` : ''}`;
  const summary = `${title}: latest baseline ${fmt(last(m.points, (p) => p.baseline), unit)}, candidate ${fmt(last(m.points, (p) => p.candidate), unit)}${m.thresholds.length ? `; ${m.thresholds.map((t) => t.label).join('; ')}` : '; no threshold in this phase'}.`;
  return (
    <Card title={title}>
      <div data-testid="metric-panel" data-metric={m.metric} data-stat={m.stat}>
        {m.source === 'prometheus' ? (
          <p className="text-sm text-slate-600">This metric comes from Prometheus: the evaluator queries it at each interval; there are no pushed samples to chart.</p>
        ) : m.points.length === 0 ? (
          <p className="text-sm text-slate-600">No samples of {m.label} in this range.</p>
        ) : (
          <TimeSeriesChart label={summary} testId={`chart-${m.metric}-${m.stat}`} data={data} from={d.from} to={d.to} series={series} lines={lines} marks={marksOf(d)} unit={unit} />
        )}
        <p className="mt-2 text-xs text-slate-600" data-testid="metric-summary">
          {summary} {m.stat === 'mean' ? 'Means' : `${m.stat} values`} per {fmt(d.resolutionSeconds / 60)} min; criteria read their own window ({[...new Set(m.thresholds.map((t) => t.window))].join(', ') || '—'}).
        </p>
      </div>
    </Card>
  );
}

function RatioCard({ d, r }: { d: EvidenceDashboard; r: RatioPanel }) {
  const data = r.points.map((p) => ({ t: new Date(p.at).getTime(), ratio: p.ratio, low: p.low, high: p.high }));
  const lastPoint = r.points[r.points.length - 1];
  const summary = `Ratio candidate/baseline of ${r.metric} ${r.stat}, must be ${OP[r.op]} ${fmt(r.bound)}${lastPoint ? `: latest ${fmt(lastPoint.ratio)} (95 % CI ${fmt(lastPoint.low)}–${fmt(lastPoint.high)}), ${STATUS[lastPoint.status].word.toLowerCase()}` : ''}.`;
  return (
    <Card title={`Ratio: ${r.metric} ${r.stat} candidate / baseline`}>
      <div data-testid="ratio-panel" data-metric={r.metric}>
        {r.points.length === 0 ? (
          <p className="text-sm text-slate-600">No ratio yet: both arms need samples (at least 2 each for an interval) in this range.</p>
        ) : (
          <TimeSeriesChart
            label={summary}
            testId={`ratio-${r.metric}`}
            data={data}
            from={d.from}
            to={d.to}
            series={[{ key: 'ratio', name: 'Ratio', color: '#4f46e5' }]}
            band={{ lowKey: 'low', highKey: 'high', name: '95 % confidence interval', color: '#818cf8' }}
            lines={[{ y: r.bound, label: `bound ${OP[r.op]} ${fmt(r.bound)}`, color: '#047857' }]}
            marks={marksOf(d)}
          />
        )}
        <p className="mt-2 text-xs text-slate-600">
          {summary} Each point: the criterion&apos;s window ({r.window}) ending there; it passes when the whole interval is {OP[r.op]} {fmt(r.bound)}.
        </p>
      </div>
    </Card>
  );
}

function CriteriaList({ criteria, evaluations, phase }: { criteria: CriterionView[]; evaluations: EvidenceDashboard['evaluations']; phase: string }) {
  if (!criteria.length) return <p className="text-sm text-slate-600">The phase {phase} has no evidence criteria.</p>;
  return (
    <div className="space-y-3">
      <ul className="space-y-3" data-testid="criteria">
        {criteria.map((c) => (
          <li key={c.index} className="text-sm" data-testid="criterion" data-kind={c.kind} data-status={c.status}>
            <div className="flex flex-wrap items-center gap-2">
              <StatusWord status={c.status} />
              <span className="font-medium text-slate-900">{c.label}</span>
            </div>
            <p className="mt-0.5 text-slate-700">{c.detail}</p>
            {c.forSeconds > 0 && c.soak ? (
              <div className="mt-1.5 max-w-xl">
                <SoakBar name={c.label} heldSeconds={c.soak.heldSeconds} requiredSeconds={c.soak.requiredSeconds} leftSeconds={c.soak.leftSeconds} passing={c.status === 'pass'} />
              </div>
            ) : (
              <p className="mt-0.5 text-xs text-slate-600">No soak: it only has to hold now.</p>
            )}
          </li>
        ))}
      </ul>
      <p className="text-xs text-slate-600" data-testid="evaluations">
        {evaluations.recorded
          ? `${evaluations.recorded.toLocaleString('en-US')} evaluations recorded by the evaluator in this phase, the latest ${timeLabel(new Date(evaluations.last!).getTime())}. Soak is measured between them.`
          : 'No evaluations recorded yet in this phase: the verdicts above are computed now from the evidence, and a soak starts counting with the evaluator’s first stored evaluation.'}
      </p>
    </div>
  );
}

export function EvidenceView({ rolloutKey, initial }: { rolloutKey: string; initial: EvidenceDashboard }) {
  const [range, setRange] = useState<string>(DEFAULT_RANGE);
  const { data: d = initial, error } = useQuery({
    queryKey: dashboardKeys.evidence(rolloutKey, range),
    queryFn: () => fetchEvidence(rolloutKey, range),
    initialData: range === DEFAULT_RANGE ? initial : undefined,
    placeholderData: (prev) => prev,
    refetchInterval: DASHBOARD_POLL_MS,
  });
  const { data: readiness } = useQuery({ queryKey: rolloutKeys.readiness(rolloutKey), queryFn: () => fetchReadiness(rolloutKey), refetchInterval: DASHBOARD_POLL_MS });
  const c = d.compatibility;
  const compatData = c.points.map((p) => ({ t: new Date(p.at).getTime(), rate: p.rate }));
  const compatSummary = `Compatible ${c.total.rate === null ? '—' : `${fmt(c.total.rate)} %`} of ${c.total.n.toLocaleString('en-US')} comparisons in this range${c.min !== null ? `; the phase needs ≥ ${fmt(c.min)} %` : ''}.`;

  return (
    <div className="space-y-6">
      <div>
        <Link href={`/rollouts/${encodeURIComponent(d.key)}`} className="text-sm text-slate-600 hover:text-slate-800">
          ← {d.name}
        </Link>
        <div className="mt-2 flex flex-wrap items-center justify-between gap-4">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight">Evidence: {d.name}</h1>
            <StatusBadge status={d.status as RolloutStatus} />
            {d.phase && <span className="text-sm text-slate-600">in {d.phase.name}</span>}
          </div>
          <div className="flex items-center gap-1" role="group" aria-label="Range shown">
            {RANGES.map((r) => (
              <button
                key={r}
                type="button"
                aria-pressed={range === r}
                onClick={() => setRange(r)}
                className={`rounded-md px-2.5 py-1 text-xs font-semibold ring-1 ring-inset ${range === r ? 'bg-indigo-600 text-white ring-indigo-600' : 'bg-white text-slate-700 ring-slate-300 hover:bg-slate-50'}`}
              >
                Last {r}
              </button>
            ))}
          </div>
        </div>
        <p className="mt-1 text-xs text-slate-600">
          {timeLabel(new Date(d.from).getTime())} – {timeLabel(new Date(d.to).getTime())}, one point per {fmt(d.resolutionSeconds / 60)} min · refreshes every {DASHBOARD_POLL_MS / 1000} s
          {error ? <span className="text-red-700"> · could not refresh: {error.message}</span> : null}
        </p>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Readiness">{readiness ? <ReadinessPanel readiness={readiness} /> : <p className="text-sm text-slate-600">Loading readiness…</p>}</Card>
        <Card title={d.phase ? `Criteria to leave ${d.phase.name}` : 'Criteria'}>
          {d.phase ? <CriteriaList criteria={d.criteria} evaluations={d.evaluations} phase={d.phase.name} /> : <p className="text-sm text-slate-600">No phase is current: criteria are watched while a phase runs.</p>}
        </Card>
      </div>

      {d.metrics.length === 0 ? (
        <Card title="Metrics">
          <p className="text-sm text-slate-600">This plan declares no metrics, so there is nothing to chart. Add a top-level metrics list (docs/plan-format.md, Evidence).</p>
        </Card>
      ) : (
        <div className="grid gap-6 xl:grid-cols-2">
          {d.metrics.map((m) => (
            <MetricCard key={`${m.metric}-${m.stat}`} d={d} m={m} />
          ))}
          {d.ratios.map((r) => (
            <RatioCard key={r.index} d={d} r={r} />
          ))}
        </div>
      )}

      <Card title="Dual-run compatibility">
        <div className="grid gap-6 lg:grid-cols-5" data-testid="compatibility">
          <div className="lg:col-span-3">
            {compatData.length ? (
              <TimeSeriesChart
                label={compatSummary}
                testId="chart-compatibility"
                data={compatData}
                from={d.from}
                to={d.to}
                series={[{ key: 'rate', name: 'Compatible %', color: '#4f46e5' }]}
                lines={c.min !== null ? [{ y: c.min, label: `minimum ${fmt(c.min)} %`, color: '#047857' }] : []}
                marks={marksOf(d)}
                unit="%"
                yDomain={[Math.max(0, Math.floor(Math.min(...c.points.map((p) => p.rate), c.min ?? 100) - 5)), 100]}
              />
            ) : (
              <p className="text-sm text-slate-600">No comparisons in this range.</p>
            )}
            <p className="mt-2 text-xs text-slate-600">
              {compatSummary}
              {c.tolerance ? ` Numeric pairs count as compatible within ${fmt(c.tolerance)} %.` : ''}
            </p>
          </div>
          <div className="lg:col-span-2">
            <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">Mismatches by category</h3>
            <MismatchTable rolloutKey={d.key} window={range} tolerance={c.tolerance} categories={c.categories} mismatches={c.total.mismatches} />
          </div>
        </div>
      </Card>

      <Card title="Red flags">
        <div className="grid gap-6 lg:grid-cols-2">
          <div>
            <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">Watching in this phase</h3>
            {d.redFlags.configured.length ? (
              <ul className="space-y-1 text-sm">
                {d.redFlags.configured.map((f) => (
                  <li key={f.index}>
                    <Badge tone={f.severity === 'critical' ? 'red' : 'amber'}>{f.severity}</Badge> {f.label} → <span className="font-medium">{f.action}</span> after {f.after} failing evaluation{f.after === 1 ? '' : 's'} (every {f.interval})
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-slate-600">No red flags in this phase.</p>
            )}
          </div>
          <div>
            <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">Tripped in this range</h3>
            {d.redFlags.trips.length ? (
              <ul className="space-y-1 text-sm" data-testid="red-flag-trips">
                {d.redFlags.trips.map((t, i) => (
                  <li key={i}>
                    <span aria-hidden="true" className="text-red-700">
                      ⚑{' '}
                    </span>
                    {timeLabel(new Date(t.at).getTime())} · {t.detail} ({t.outcome === 'applied' ? `${t.action} applied` : `${t.action} not applied`})
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-sm text-slate-600">No red flag tripped in this range.</p>
            )}
          </div>
        </div>
      </Card>
    </div>
  );
}
