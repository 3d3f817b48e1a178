'use client';
// "Waiting for my sign-off": each gate that is next, names a role I hold, and has no standing
// decision of mine — with the step's readiness reasons and the checklist on the same page, and
// Approve / Reject right there.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { checklistOf } from '@/components/rollouts/checklist-panel';
import { ReasonList } from '@/components/rollouts/readiness-panel';
import { SignoffForm } from '@/components/rollouts/signoff-sheet';
import { TimeAgo } from '@/components/ui/time-ago';
import type { InboxEntry } from '@/lib/queries/governance';

function Entry({ entry, onDone }: { entry: InboxEntry; onDone: () => void }) {
  const list = checklistOf(entry.readiness);
  const blocked = entry.readiness.reasons.filter((r) => r.status !== 'pass').length;
  return (
    <li data-testid="inbox-entry" data-key={entry.key} data-phase={entry.phase.key}>
      <Card
        title={
          <span>
            <Link href={`/rollouts/${entry.key}`} className="text-indigo-700 underline">
              {entry.name}
            </Link>{' '}
            <span className="font-normal text-slate-600">
              — {entry.action} into <span className="font-medium text-slate-900">{entry.phase.name}</span>
            </span>
          </span>
        }
        actions={entry.readiness.ready ? <Badge tone="green">✓ ready</Badge> : <Badge tone="red">✗ {blocked} blocking</Badge>}
      >
        <div className="space-y-4">
          <p className="text-sm text-slate-700">
            Needs {entry.rule.required} {entry.rule.required === 1 ? 'approval' : 'approvals'} from: {entry.rule.roles.join(', ')}. You hold: <span className="font-medium">{entry.myRoles.join(', ')}</span>.
          </p>
          <section aria-label="Readiness">
            <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">Readiness</h3>
            <ReasonList reasons={entry.readiness.reasons} />
          </section>
          {list && (
            <section aria-label="Checklist">
              <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">Checklist</h3>
              <ul className="space-y-1 text-sm">
                {list.items.map((i) => (
                  <li key={i.key} data-testid="inbox-checklist-item" data-checked={i.checked}>
                    <span aria-hidden="true">{i.checked ? '☑ ' : '☐ '}</span>
                    <span className="sr-only">{i.checked ? 'Done: ' : 'Open: '}</span>
                    {i.text}
                    {!i.required && <span className="text-xs text-slate-600"> (optional)</span>}
                    {i.checked && i.by && i.at && (
                      <span className="text-xs text-slate-600">
                        {' '}
                        — {i.by}, <TimeAgo at={i.at} />
                        {i.evidence ? ` · ${i.evidence}` : ''}
                      </span>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <div className="space-y-2">
            {entry.myRoles.map((role) => (
              <SignoffForm key={role} rolloutKey={entry.key} phase={entry.phase.key} role={role} standing={null} onDone={onDone} />
            ))}
          </div>
        </div>
      </Card>
    </li>
  );
}

export function Inbox({ entries, signoffRoles }: { entries: InboxEntry[]; signoffRoles: string[] }) {
  const router = useRouter();
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Waiting for my sign-off</h1>
        <p className="mt-1 text-sm text-slate-600">
          {signoffRoles.length ? (
            <>
              Gates that are next and name a role you hold ({signoffRoles.join(', ')}), where you have not decided yet.
            </>
          ) : (
            'You hold no sign-off roles: an admin assigns them.'
          )}
        </p>
      </div>
      {entries.length ? (
        <ul className="space-y-4" data-testid="inbox">
          {entries.map((e) => (
            <Entry key={`${e.key}-${e.phase.key}`} entry={e} onDone={() => router.refresh()} />
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-700" data-testid="inbox-empty">
          Nothing is waiting for you.
        </p>
      )}
    </div>
  );
}
