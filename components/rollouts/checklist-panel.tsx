'use client';
// The checklist of the gate ahead: tick / untick with optional evidence (a link or a note) for
// the roles that may; read-only otherwise. Every item shows who ticked it and when.
import { useState } from 'react';
import { tickChecklistAction } from '@/lib/actions/governance';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { TimeAgo } from '@/components/ui/time-ago';
import type { Readiness } from '@/lib/domain/readiness';

export interface ChecklistRow {
  key: string;
  text: string;
  required: boolean;
  owner: string | null;
  checked: boolean;
  by: string | null;
  at: string | null;
  evidence: string | null;
}

/** The checklist items carried by the readiness' checklist reason (the state the guard saw). */
export function checklistOf(readiness: Readiness | undefined): { phase: string; items: ChecklistRow[] } | null {
  const r = readiness?.reasons.find((x) => x.kind === 'checklist' && x.gate === 'enter');
  if (!r || !r.phase) return null;
  return { phase: r.phase, items: (r.items as ChecklistRow[]) ?? [] };
}

const isLink = (s: string) => /^https?:\/\/\S+$/.test(s);

function Evidence({ text }: { text: string }) {
  return isLink(text) ? (
    <a href={text} className="break-all text-indigo-700 underline" rel="noreferrer noopener" target="_blank">
      {text}
    </a>
  ) : (
    <span className="break-words whitespace-pre-wrap">{text}</span>
  );
}

function Item({ rolloutKey, phase, item, canTick, onChanged }: { rolloutKey: string; phase: string; item: ChecklistRow; canTick: boolean; onChanged: () => void }) {
  const [evidence, setEvidence] = useState('');
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `evidence-${phase}-${item.key}`;

  async function send(checked: boolean) {
    setBusy(true);
    setError(null);
    try {
      const res = await tickChecklistAction({ key: rolloutKey, phase, item: item.key, checked, ...(checked && evidence.trim() ? { evidence: evidence.trim() } : {}) });
      if (!res.ok) setError(res.error.message);
      else {
        setEvidence('');
        setOpen(false);
        onChanged();
      }
    } catch {
      setError('The request did not reach Switchyard. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className="rounded-md p-3 ring-1 ring-slate-200" data-testid="checklist-item" data-item={item.key} data-checked={item.checked}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 text-sm">
          <span className="mr-1 font-semibold" aria-hidden="true">
            {item.checked ? '☑' : '☐'}
          </span>
          <span className="sr-only">{item.checked ? 'Done: ' : 'Open: '}</span>
          <span className="text-slate-900">{item.text}</span>{' '}
          {item.required ? <Badge tone="gray">required</Badge> : <Badge tone="blue">optional</Badge>}
          {item.owner && <span className="text-xs text-slate-600"> · owner: {item.owner}</span>}
          {item.by && item.at && (
            <div className="mt-1 text-xs text-slate-600">
              {item.checked ? 'Ticked' : 'Unticked'} by <span className="font-medium text-slate-800">{item.by}</span> <TimeAgo at={item.at} />
              {item.evidence && (
                <>
                  {' '}
                  · evidence: <Evidence text={item.evidence} />
                </>
              )}
            </div>
          )}
        </div>
        {canTick &&
          (item.checked ? (
            <Button size="sm" onClick={() => send(false)} disabled={busy} data-testid="untick">
              Untick
            </Button>
          ) : (
            <Button size="sm" variant="primary" onClick={() => setOpen((o) => !o)} disabled={busy} aria-expanded={open} data-testid="tick-open">
              Tick…
            </Button>
          ))}
      </div>
      {open && !item.checked && (
        <div className="mt-2 space-y-2">
          <label htmlFor={id} className="block text-xs font-medium text-slate-700">
            Evidence (optional): a link or a note
          </label>
          <textarea
            id={id}
            rows={2}
            maxLength={2000}
            value={evidence}
            onChange={(e) => setEvidence(e.target.value)}
            className="block w-full rounded-md border-0 px-3 py-2 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600"
            placeholder="https://grafana.example/d/… or what you checked"
          />
          <div className="flex gap-2">
            <Button size="sm" variant="primary" onClick={() => send(true)} disabled={busy} data-testid="tick-confirm">
              {busy ? 'Saving…' : 'Tick'}
            </Button>
            <Button size="sm" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
        </div>
      )}
      {error && (
        <div className="mt-2">
          <Alert>{error}</Alert>
        </div>
      )}
    </li>
  );
}

export function ChecklistPanel({ rolloutKey, readiness, canTick, onChanged }: { rolloutKey: string; readiness: Readiness | undefined; canTick: boolean; onChanged: () => void }) {
  const list = checklistOf(readiness);
  if (!list) return <p className="text-sm text-slate-600">{readiness?.to ? `No checklist guards entering ${readiness.to.name}.` : 'No gate ahead.'}</p>;
  return (
    <div className="space-y-2" data-testid="checklist-panel">
      <p className="text-xs text-slate-600">
        Entering <span className="font-medium text-slate-800">{readiness?.to?.name ?? list.phase}</span>
        {canTick ? '' : ' · read-only: your role may not tick checklist items'}
      </p>
      <ul className="space-y-2">
        {list.items.map((i) => (
          <Item key={i.key} rolloutKey={rolloutKey} phase={list.phase} item={i} canTick={canTick} onChanged={onChanged} />
        ))}
      </ul>
    </div>
  );
}
