'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createWebhookAction, deleteWebhookAction, updateWebhookAction } from '@/lib/actions/webhooks';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Select, TextInput } from '@/components/ui/field';
import { TimeAgo } from '@/components/ui/time-ago';
import type { WebhookView } from '@/lib/queries/webhooks';
import { ACTIONS_COLUMN, CardTable } from '@/components/ui/card-table';

const EVENTS = [
  { value: 'comms', label: 'Phase messages (the plan’s comms)' },
  { value: 'transition', label: 'Transitions (start, promote, rollback, …)' },
  { value: 'red_flag', label: 'Red flags' },
] as const;
const FIELDS = ['name', 'url', 'format', 'secret', 'audiences', 'events'] as const;
type FieldName = (typeof FIELDS)[number];

/** "Engineering Team\n Support \n" → ["Engineering Team", "Support"] (an audience may hold commas) */
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** the field a problem path names: "audiences[1]" → audiences; anything else goes to the form */
function fieldOf(path: string): FieldName | null {
  const head = path.replace(/^\(body\)\.?/, '').split(/[.[]/)[0];
  return (FIELDS as readonly string[]).includes(head) ? (head as FieldName) : null;
}

const CONTROL_TEXTAREA = 'mt-1 w-full rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600';

function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-0.5 text-xs font-medium text-red-700">
      {message}
    </p>
  );
}

export function WebhooksManager({ webhooks, audiences }: { webhooks: WebhookView[]; audiences: string[] }) {
  const router = useRouter();
  const [format, setFormat] = useState<'slack' | 'generic'>('slack');
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [pending, setPending] = useState(false);

  const reset = () => {
    setError(null);
    setNotice(null);
    setFieldErrors({});
    setSecret(null);
  };

  /** an action's refusal: each problem at its field, the rest (and the summary) at the top */
  function refused(e: { message: string; errors?: unknown }) {
    const byField: Partial<Record<FieldName, string>> = {};
    const rest: string[] = [];
    for (const p of Array.isArray(e.errors) ? (e.errors as { path: string; message: string }[]) : []) {
      const f = fieldOf(String(p.path));
      if (f) byField[f] = byField[f] ? `${byField[f]}; ${p.message}` : p.message;
      else rest.push(`${p.path}: ${p.message}`);
    }
    setFieldErrors(byField);
    setError(Object.keys(byField).length && !rest.length ? 'The webhook was not added: fix the fields marked below.' : e.message);
  }

  async function create(ev: React.FormEvent<HTMLFormElement>) {
    ev.preventDefault();
    const form = ev.currentTarget;
    const data = new FormData(form);
    const secretText = String(data.get('secret') ?? '');
    reset();
    setPending(true);
    const res = await createWebhookAction({
      name: String(data.get('name') ?? ''),
      url: String(data.get('url') ?? ''),
      format: String(data.get('format') ?? ''),
      ...(format === 'generic' && secretText ? { secret: secretText } : {}),
      audiences: lines(String(data.get('audiences') ?? '')),
      events: data.getAll('events').map(String),
    });
    setPending(false);
    if (!res.ok) return refused(res.error);
    setNotice(`Webhook “${res.data.name}” added. It receives messages from the next transition on.`);
    if (res.data.secret) setSecret({ name: res.data.name, secret: res.data.secret });
    form.reset();
    setFormat('slack');
    router.refresh();
  }

  async function toggle(w: WebhookView) {
    reset();
    const res = await updateWebhookAction({ id: w.id, disabled: !w.disabled });
    if (!res.ok) setError(`${w.name}: ${res.error.message}`);
    else setNotice(`Webhook “${w.name}” ${w.disabled ? 'enabled' : 'disabled: it gets no new deliveries, and its scheduled ones are skipped'}.`);
    router.refresh();
  }

  async function remove(w: WebhookView) {
    if (!window.confirm(`Delete the webhook “${w.name}”?`)) return;
    reset();
    const res = await deleteWebhookAction({ id: w.id });
    if (!res.ok) setError(`${w.name}: ${res.error.message}`);
    else setNotice(`Webhook “${w.name}” deleted.`);
    router.refresh();
  }

  const described = (f: FieldName, hint?: string) => {
    const ids = [hint, fieldErrors[f] ? `webhook-${f}-error` : null].filter(Boolean).join(' ');
    return { 'aria-invalid': fieldErrors[f] ? true : undefined, 'aria-describedby': ids || undefined };
  };

  return (
    <div className="space-y-6">
      <Card title="Add a webhook">
        <form onSubmit={create} className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" noValidate data-testid="webhook-form">
          <div>
            <label htmlFor="webhook-name" className="block text-xs font-medium text-slate-700">
              Name
            </label>
            <TextInput id="webhook-name" name="name" required autoComplete="off" placeholder="Engineering Slack" className="w-full" {...described('name')} />
            <FieldError id="webhook-name-error" message={fieldErrors.name} />
          </div>
          <div className="sm:col-span-2">
            <label htmlFor="webhook-url" className="block text-xs font-medium text-slate-700">
              URL
            </label>
            <TextInput id="webhook-url" name="url" type="url" required autoComplete="off" placeholder="https://hooks.slack.com/services/…" className="w-full" {...described('url')} />
            <FieldError id="webhook-url-error" message={fieldErrors.url} />
          </div>
          <div>
            <label htmlFor="webhook-format" className="block text-xs font-medium text-slate-700">
              Format
            </label>
            <Select id="webhook-format" name="format" value={format} onChange={(e) => setFormat(e.target.value === 'generic' ? 'generic' : 'slack')} className="w-full" {...described('format', 'webhook-format-hint')}>
              <option value="slack">Slack-compatible ({'{"text": …}'})</option>
              <option value="generic">Generic JSON, signed (HMAC-SHA256)</option>
            </Select>
            <p id="webhook-format-hint" className="mt-0.5 text-xs text-slate-600">
              {format === 'slack' ? 'A Slack incoming-webhook URL is its own secret.' : 'Each request carries a signature header over its body.'}
            </p>
            <FieldError id="webhook-format-error" message={fieldErrors.format} />
          </div>
          {format === 'generic' && (
            <div>
              <label htmlFor="webhook-secret" className="block text-xs font-medium text-slate-700">
                Signing secret (optional)
              </label>
              <TextInput id="webhook-secret" name="secret" type="password" autoComplete="new-password" className="w-full" {...described('secret', 'webhook-secret-hint')} />
              <p id="webhook-secret-hint" className="mt-0.5 text-xs text-slate-600">
                16+ printable characters. Left empty, one is generated and shown once.
              </p>
              <FieldError id="webhook-secret-error" message={fieldErrors.secret} />
            </div>
          )}
          <div>
            <label htmlFor="webhook-audiences" className="block text-xs font-medium text-slate-700">
              Audiences
            </label>
            <textarea id="webhook-audiences" name="audiences" rows={3} placeholder={audiences.slice(0, 2).join('\n') || 'Engineering Team'} className={CONTROL_TEXTAREA} {...described('audiences', 'webhook-audiences-hint')} />
            <p id="webhook-audiences-hint" className="mt-0.5 text-xs text-slate-600">
              One per line; empty = every audience.{audiences.length ? ` The plans address: ${audiences.join(', ')}.` : ''}
            </p>
            <FieldError id="webhook-audiences-error" message={fieldErrors.audiences} />
          </div>
          <fieldset {...described('events', 'webhook-events-hint')}>
            <legend className="block text-xs font-medium text-slate-700">Events</legend>
            <div className="mt-1 space-y-1">
              {EVENTS.map((e) => (
                <label key={e.value} className="flex items-center gap-2 text-sm text-slate-800">
                  <input type="checkbox" name="events" value={e.value} className="h-4 w-4 rounded border-slate-300 text-indigo-600" />
                  {e.label}
                </label>
              ))}
            </div>
            <p id="webhook-events-hint" className="mt-0.5 text-xs text-slate-600">
              None ticked = all of them.
            </p>
            <FieldError id="webhook-events-error" message={fieldErrors.events} />
          </fieldset>
          <div className="flex items-end sm:col-span-2 lg:col-span-3">
            <Button type="submit" variant="primary" disabled={pending}>
              Add webhook
            </Button>
          </div>
        </form>
      </Card>
      {error && <Alert>{error}</Alert>}
      {notice && (
        <Alert tone="success" role="status">
          {notice}
        </Alert>
      )}
      {secret && (
        <Alert tone="warning" role="status">
          <p>
            Signing secret of “{secret.name}” — copy it now, it is not shown again:
          </p>
          <code className="mt-1 block font-mono text-xs break-all select-all" data-testid="webhook-secret">
            {secret.secret}
          </code>
        </Alert>
      )}
      <Card title="Webhooks">
        {webhooks.length === 0 ? (
          <p className="text-sm text-slate-600">No webhooks yet: the rollouts record their messages but send them nowhere.</p>
        ) : (
          <CardTable columns={['Name', 'Format', 'Audiences', 'Events', 'Status', 'Added', ACTIONS_COLUMN]}>
            {webhooks.map((w) => (
              <tr key={w.id} data-testid={`webhook-${w.name}`} className={w.disabled ? 'bg-slate-50 text-slate-600' : ''}>
                <td className="max-w-xs px-5 py-2">
                  <div className="font-medium text-slate-900">{w.name}</div>
                  <div className="truncate font-mono text-xs text-slate-600" title={w.url}>
                    {w.url}
                  </div>
                </td>
                <td className="px-3 py-2 text-xs">
                  {w.format}
                  {w.format === 'generic' && <div className="text-slate-600">{w.hasSecret ? 'signed' : 'no secret'}</div>}
                </td>
                <td className="px-3 py-2">
                  {w.audiences.length ? (
                    <ul className="flex flex-wrap gap-1" aria-label={`Audiences of ${w.name}`}>
                      {w.audiences.map((a) => (
                        <li key={a}>
                          <Badge tone="blue">{a}</Badge>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="text-xs text-slate-600">every audience</span>
                  )}
                </td>
                <td className="px-3 py-2 text-xs">{w.events.length ? w.events.map((e) => EVENTS.find((x) => x.value === e)?.label.split(' (')[0] ?? e).join(', ') : 'all'}</td>
                <td className="px-3 py-2 text-xs">{w.disabled ? <Badge tone="amber">disabled</Badge> : <Badge tone="green">enabled</Badge>}</td>
                <td className="px-3 py-2 text-xs">
                  <TimeAgo at={w.createdAt} />
                </td>
                <td className="px-3 py-2 text-right whitespace-nowrap">
                  <Button size="sm" variant="ghost" onClick={() => toggle(w)} aria-label={`${w.disabled ? 'Enable' : 'Disable'} ${w.name}`}>
                    {w.disabled ? 'Enable' : 'Disable'}
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => remove(w)} aria-label={`Delete ${w.name}`} className="text-red-700 hover:text-red-800">
                    Delete
                  </Button>
                </td>
              </tr>
            ))}
          </CardTable>
        )}
      </Card>
    </div>
  );
}
