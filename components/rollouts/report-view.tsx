// The readiness report as a print-friendly page: the same model as report.md.
import Link from 'next/link';
import { gateVerdict, type ReportModel } from '@/lib/domain/report';
import { formatSeconds } from '@/lib/domain/readiness';

const date = (d: Date | string | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');
const STATUS: Record<string, string> = { pass: '✓ pass', fail: '✗ fail', inconclusive: '… inconclusive' };

function Th({ children }: { children: React.ReactNode }) {
  return (
    <th scope="col" className="border-b border-slate-300 px-2 py-1 text-left font-semibold">
      {children}
    </th>
  );
}
function Td({ children }: { children: React.ReactNode }) {
  return <td className="border-b border-slate-200 px-2 py-1 align-top">{children}</td>;
}

export function ReportView({ m }: { m: ReportModel }) {
  const r = m.rollout;
  const rd = m.readiness;
  return (
    <article className="mx-auto max-w-4xl space-y-6 bg-white p-6 text-sm text-slate-900 ring-1 ring-slate-200 print:p-0 print:ring-0" data-testid="report">
      <header className="space-y-1">
        <div className="flex items-center justify-between gap-4 print:hidden">
          <Link href={`/rollouts/${r.key}`} className="text-indigo-700 underline">
            ← Back to the rollout
          </Link>
          <a href={`/api/v1/rollouts/${r.key}/report.md`} className="text-indigo-700 underline">
            Download as Markdown
          </a>
        </div>
        <h1 className="text-2xl font-semibold">Readiness report — {r.name}</h1>
        <p className="text-slate-700">
          Rollout <code className="font-mono">{r.key}</code> · status <strong>{r.status.replace('_', ' ')}</strong> · version {r.version}
          {r.owner ? ` · owner ${r.owner}` : ''}
        </p>
        <p className="text-slate-700">Generated {date(m.generatedAt)} from Switchyard’s records (audit trail, checklists, sign-offs).</p>
      </header>

      <section aria-labelledby="next-step">
        <h2 id="next-step" className="mb-2 text-lg font-semibold">Next step</h2>
        {!rd.action ? (
          <p>There is no next step.</p>
        ) : (
          <>
            <p className="mb-2">
              {rd.action === 'start' ? 'Start' : 'Promote'}: {rd.to ? `enter ${rd.to.name}` : 'complete the rollout'} —{' '}
              <strong data-testid="report-ready">{rd.ready ? 'READY' : 'NOT READY'}</strong>
            </p>
            <table className="w-full border-collapse">
              <thead>
                <tr>
                  <Th>guard</Th>
                  <Th>status</Th>
                  <Th>detail</Th>
                </tr>
              </thead>
              <tbody>
                {rd.reasons.map((x, i) => (
                  <tr key={i}>
                    <Td>
                      {x.kind} ({x.gate === 'leave' ? 'leaving' : 'entering'} {x.phase ?? '—'})
                    </Td>
                    <Td>{STATUS[x.status]}</Td>
                    <Td>{x.detail}</Td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <section aria-labelledby="timeline">
        <h2 id="timeline" className="mb-2 text-lg font-semibold">Phases: planned vs actual</h2>
        <p className="mb-2 text-slate-700">
          Started {date(m.timeline.startedAt)} · forecast end {date(m.timeline.forecastEnd)}
          {m.timeline.completedAt ? ` · completed ${date(m.timeline.completedAt)}` : ''}
        </p>
        <table className="w-full border-collapse">
          <thead>
            <tr>
              <Th>phase</Th>
              <Th>status</Th>
              <Th>planned</Th>
              <Th>actual</Th>
              <Th>time in phase</Th>
            </tr>
          </thead>
          <tbody>
            {m.timeline.phases.map((p) => (
              <tr key={p.key}>
                <Td>{p.name}</Td>
                <Td>{p.status}</Td>
                <Td>
                  {date(p.plannedStart)} → {date(p.plannedEnd)}
                </Td>
                <Td>
                  {date(p.actualStart)} → {date(p.actualEnd)}
                </Td>
                <Td>{p.actualSeconds ? formatSeconds(p.actualSeconds) : '—'}</Td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {m.gates
        .filter((g) => g.checklist.length || g.signoffRule || g.decisions.length)
        .map((g) => (
          <section key={g.phase.key} aria-labelledby={`gate-${g.phase.key}`} data-testid={`report-gate-${g.phase.key}`}>
            <h2 id={`gate-${g.phase.key}`} className="mb-2 text-lg font-semibold">
              Entering {g.phase.name}
            </h2>
            {g.checklist.length > 0 && (
              <ul className="mb-3 space-y-1">
                {g.checklist.map((c) => (
                  <li key={c.key}>
                    <span aria-hidden>{c.checked ? '☑' : '☐'}</span> <span className="sr-only">{c.checked ? 'done:' : 'open:'}</span> {c.text}
                    {c.owner ? ` (${c.owner})` : ''}
                    {!c.required && <em> (optional)</em>}
                    {c.checked && (
                      <span className="text-slate-700">
                        {' '}
                        — ticked by {c.by} on {date(c.at)}
                        {c.evidence ? ` (evidence: ${c.evidence})` : ''}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            )}
            {g.signoffRule && (
              <>
                <p className="mb-2">
                  Sign-off: <strong data-testid={`report-verdict-${g.phase.key}`}>{gateVerdict(g)}</strong>
                </p>
                <table className="mb-3 w-full border-collapse">
                  <thead>
                    <tr>
                      <Th>role</Th>
                      <Th>name</Th>
                      <Th>decision</Th>
                      <Th>date</Th>
                      <Th>comment</Th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.signoffRule.roles.flatMap((role) => {
                      const rows = g.signoffs.filter((s) => s.role === role && s.state === 'standing');
                      if (!rows.length)
                        return [
                          <tr key={role}>
                            <Td>{role}</Td>
                            <Td>—</Td>
                            <Td>—</Td>
                            <Td>—</Td>
                            <Td>{''}</Td>
                          </tr>,
                        ];
                      return rows.map((s) => (
                        <tr key={`${role}-${s.user}`} data-testid="report-signoff">
                          <Td>{role}</Td>
                          <Td>{s.user}</Td>
                          <Td>{s.decision === 'approve' ? 'Approved' : 'Rejected'}</Td>
                          <Td>{date(s.at)}</Td>
                          <Td>{s.comment}</Td>
                        </tr>
                      ));
                    })}
                  </tbody>
                </table>
              </>
            )}
            {g.decisions.length > 0 && (
              <table className="w-full border-collapse">
                <caption className="mb-1 text-left font-semibold">If … in this phase</caption>
                <thead>
                  <tr>
                    <Th>issue</Th>
                    <Th>action</Th>
                  </tr>
                </thead>
                <tbody>
                  {g.decisions.map((d, i) => (
                    <tr key={i}>
                      <Td>{d.issue}</Td>
                      <Td>
                        {d.action}
                        {d.note ? ` — ${d.note}` : ''}
                      </Td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))}

      <section aria-labelledby="overrides">
        <h2 id="overrides" className="mb-2 text-lg font-semibold">Overrides</h2>
        {m.overrides.length === 0 ? (
          <p>None: every step was taken with its gate ready.</p>
        ) : (
          <ul className="space-y-1" data-testid="report-overrides">
            {m.overrides.map((o, i) => (
              <li key={i} className="rounded bg-amber-50 px-2 py-1 text-amber-950 ring-1 ring-amber-300">
                <strong>OVERRIDE</strong> {o.action} by {o.actor} on {date(o.at)} — “{o.reason}”. Not ready at the time: {o.overridden.map((x) => `${x.kind}: ${x.detail}`).join('; ') || '—'}
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}
