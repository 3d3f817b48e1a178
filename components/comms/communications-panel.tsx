import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatCommsDate } from '@/lib/domain/comms';
import type { CommsPhaseView, CommunicationsView, DeliveryView, MessageView } from '@/lib/queries/communications';
import { DeliveryStatusBadge } from './delivery-status';

const date = (s: string | null) => formatCommsDate(s ? new Date(s) : null);
/** "HTTP 503: upstream down"; an error that already names its status is shown as it is */
const response = (status: number | null, error: string | null) => {
  if (!error) return status ? `HTTP ${status}` : '—';
  return status && !error.startsWith(`HTTP ${status}`) ? `HTTP ${status}: ${error}` : error;
};
const KIND: Record<string, string> = { comms: 'message', transition: 'transition', red_flag: 'red flag' };

function PhaseTemplates({ phase, now }: { phase: CommsPhaseView; now: number }) {
  return (
    <section aria-labelledby={`comms-phase-${phase.key}`} data-testid={`comms-phase-${phase.key}`}>
      <div className="flex flex-wrap items-baseline gap-2">
        <h3 id={`comms-phase-${phase.key}`} className="text-sm font-semibold text-slate-900">
          Phase {phase.index + 1}: {phase.name}
        </h3>
        <Badge tone={phase.status === 'current' ? 'indigo' : phase.status === 'done' ? 'green' : 'gray'}>{phase.status}</Badge>
      </div>
      {phase.templates.length === 0 ? (
        <p className="mt-1 text-sm text-slate-600">No messages planned for this phase.</p>
      ) : (
        <ul className="mt-2 space-y-3">
          {phase.templates.map((t) => (
            <li key={t.position} className="rounded-md bg-slate-50 p-3 ring-1 ring-slate-200" data-testid="comms-template">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-700">
                <Badge tone="blue">{t.audience}</Badge>
                <span>
                  <span className="font-semibold">{t.when === 'before' ? 'Before' : 'After'}</span>
                  {t.offset ? `, offset ${t.offset}` : ''}: {t.dueRule}
                  {t.dueEstimate && <> · would go out {date(t.dueEstimate)}</>}
                </span>
                {t.lastMessage && (
                  <span className="flex items-center gap-1.5">
                    · {new Date(t.lastMessage.scheduledAt).getTime() > now ? 'scheduled for' : 'sent'} {date(t.lastMessage.scheduledAt)} <DeliveryStatusBadge status={t.lastMessage.status} />
                  </span>
                )}
              </div>
              <p className="mt-2 text-sm whitespace-pre-line text-slate-900" data-testid="comms-preview">
                {t.preview}
              </p>
              <details className="mt-1.5 text-xs text-slate-600">
                <summary className="cursor-pointer">Template</summary>
                <pre className="mt-1 font-mono whitespace-pre-wrap">{t.template}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AttemptLog({ d }: { d: DeliveryView }) {
  if (!d.log.length) return <span className="text-slate-600">no attempt yet</span>;
  return (
    <details>
      <summary className="cursor-pointer text-slate-700">
        {d.log.length} {d.log.length === 1 ? 'attempt' : 'attempts'}
      </summary>
      <table className="mt-1 text-xs">
        <caption className="sr-only">Attempts delivering to {d.webhook.name}</caption>
        <thead className="text-left text-slate-600">
          <tr>
            <th scope="col" className="pr-3 font-medium">#</th>
            <th scope="col" className="pr-3 font-medium">At</th>
            <th scope="col" className="pr-3 font-medium">Response</th>
            <th scope="col" className="font-medium">Took</th>
          </tr>
        </thead>
        <tbody>
          {d.log.map((a) => (
            <tr key={a.attempt}>
              <td className="pr-3">{a.attempt}</td>
              <td className="pr-3 whitespace-nowrap">{date(a.at)}</td>
              <td className="pr-3">{a.error ? <span className="text-red-800">{response(a.statusCode, a.error)}</span> : response(a.statusCode, null)}</td>
              <td className="whitespace-nowrap">{a.durationMs} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function MessageRow({ m }: { m: MessageView }) {
  const failed = m.deliveries.some((d) => d.status === 'failed');
  return (
    <li className={`rounded-md p-3 ring-1 ${failed ? 'bg-red-50/40 ring-red-200' : 'ring-slate-200'}`} data-testid="comms-message" data-kind={m.kind}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-700">
        <span className="font-medium whitespace-nowrap">{date(m.scheduledAt)}</span>
        <Badge tone={m.kind === 'red_flag' ? 'red' : m.kind === 'transition' ? 'gray' : 'indigo'}>{KIND[m.kind] ?? m.kind}</Badge>
        {m.audience && <Badge tone="blue">{m.audience}</Badge>}
        <span>{m.phaseName ?? (m.phaseKey || 'baseline')}</span>
        {new Date(m.scheduledAt).getTime() > new Date(m.createdAt).getTime() + 1000 && <span>(scheduled on {date(m.createdAt)})</span>}
      </div>
      <p className="mt-1.5 text-sm whitespace-pre-line text-slate-900">{m.body}</p>
      {m.deliveries.length === 0 ? (
        <p className="mt-1.5 text-xs text-slate-600">No webhook receives this message: recorded here only.</p>
      ) : (
        <div className="mt-2 overflow-x-auto">
          <table className="w-full min-w-[40rem] table-fixed text-xs">
            <caption className="sr-only">Deliveries of this message</caption>
            <thead className="text-left text-slate-600">
              <tr className="border-b border-slate-200">
                <th scope="col" className="w-[28%] py-1 pr-3 font-medium">Webhook</th>
                <th scope="col" className="w-[16%] py-1 pr-3 font-medium">Status</th>
                <th scope="col" className="w-[28%] py-1 pr-3 font-medium">Last response</th>
                <th scope="col" className="py-1 font-medium">Log</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {m.deliveries.map((d) => (
                <tr key={d.id} data-testid="comms-delivery" data-webhook={d.webhook.name} className="align-top">
                  <td className="py-1 pr-3">
                    <span className="font-medium">{d.webhook.name}</span>
                    <span className="text-slate-600"> · {d.webhook.format}{d.webhook.disabled ? ' · disabled' : ''}</span>
                  </td>
                  <td className="py-1 pr-3">
                    <DeliveryStatusBadge status={d.status} />
                    {d.deliveredAt && <div className="mt-0.5 text-slate-600">{date(d.deliveredAt)}</div>}
                  </td>
                  <td className="py-1 pr-3 break-words">
                    {d.lastError ? <span className={d.status === 'skipped' ? 'text-amber-900' : 'text-red-800'}>{response(d.lastStatus, d.lastError)}</span> : response(d.lastStatus, null)}
                  </td>
                  <td className="py-1">
                    <AttemptLog d={d} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </li>
  );
}

/** The rollout's communication plan (previews rendered now) and what was actually sent. */
export function CommunicationsPanel({ comms }: { comms: CommunicationsView }) {
  const planned = comms.phases.some((p) => p.templates.length);
  const now = new Date(comms.generatedAt).getTime();
  return (
    <div id="communications" className="scroll-mt-4" data-testid="communications">
      <Card title="Communications">
        <div className="space-y-6">
          <div className="space-y-4">
            <p className="text-sm text-slate-600">
              Each preview is rendered from the current records ({comms.previewAs}); the message that goes out is rendered at its transition. A failed delivery never blocks a transition.
            </p>
            {comms.webhookCount === 0 && (
              <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset" data-testid="no-webhooks">
                No webhook is enabled: messages are recorded here but sent nowhere. Admins add webhooks in Settings → Webhooks.
              </p>
            )}
            {planned ? comms.phases.map((p) => <PhaseTemplates key={p.key} phase={p} now={now} />) : <p className="text-sm text-slate-600">This plan has no comms.</p>}
          </div>
          <section aria-labelledby="comms-sent">
            <h3 id="comms-sent" className="text-sm font-semibold text-slate-900">
              Messages and deliveries{' '}
              <span className="font-normal text-slate-600">
                ({comms.messageCount}
                {comms.messageCount > comms.messages.length ? `, newest ${comms.messages.length} shown` : ''}
                {comms.failedCount ? `, ${comms.failedCount} failed ${comms.failedCount === 1 ? 'delivery' : 'deliveries'}` : ''})
              </span>
            </h3>
            {comms.messages.length === 0 ? (
              <p className="mt-1 text-sm text-slate-600">Nothing sent yet: messages are produced by the transitions.</p>
            ) : (
              <ul className="mt-2 space-y-2">
                {comms.messages.map((m) => (
                  <MessageRow key={m.id} m={m} />
                ))}
              </ul>
            )}
          </section>
        </div>
      </Card>
    </div>
  );
}
