'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createTokenAction, revokeTokenAction } from '@/lib/actions/tokens';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Select, TextInput } from '@/components/ui/field';
import { TimeAgo } from '@/components/ui/time-ago';
import type { TokenView } from '@/lib/queries/tokens';
import { ACTIONS_COLUMN, CardTable } from '@/components/ui/card-table';

type TokenRow = TokenView;

const ROLES = ['flags', 'viewer', 'engineer', 'approver', 'admin'] as const;

export function TokenManager({ tokens, environments }: { tokens: TokenRow[]; environments: string[] }) {
  const router = useRouter();
  const [role, setRole] = useState<string>('flags');
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function create(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setPending(true);
    setError(null);
    const res = await createTokenAction({
      name: String(data.get('name') ?? ''),
      role,
      ...(role === 'flags' ? { environment: String(data.get('environment') ?? '') } : {}),
    });
    setPending(false);
    if (!res.ok) return setError(res.error.message);
    setSecret({ name: res.data.name, token: res.data.token });
    form.reset();
    router.refresh();
  }

  async function revoke(t: TokenRow) {
    if (!window.confirm(`Revoke "${t.name}"? Anything using it stops working.`)) return;
    const res = await revokeTokenAction(t.id);
    if (!res.ok) setError(res.error.message);
    router.refresh();
  }

  return (
    <div className="space-y-6">
      <Card title="Create a token">
        <form onSubmit={create} className="flex flex-wrap items-end gap-3">
          <Field id="token-name" label="Name">
            <TextInput id="token-name" name="name" required placeholder="market-scan worker" className="w-56" />
          </Field>
          <Field id="token-role" label="Role">
            <Select id="token-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r === 'flags' ? 'flags (read flags of one environment)' : r}
                </option>
              ))}
            </Select>
          </Field>
          {role === 'flags' && (
            <Field id="token-env" label="Environment">
              <Select id="token-env" name="environment">
                {environments.map((e) => (
                  <option key={e}>{e}</option>
                ))}
              </Select>
            </Field>
          )}
          <Button type="submit" variant="primary" disabled={pending}>
            Create token
          </Button>
        </form>
        {error && (
          <div className="mt-3">
            <Alert>{error}</Alert>
          </div>
        )}
        {secret && (
          <div className="mt-4">
            <Alert tone="success" role="status">
              <p>
                Token <span className="font-medium">{secret.name}</span> created. Copy it now — it will not be shown again:
              </p>
              <code className="mt-1 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900 ring-1 ring-emerald-200" data-testid="new-token">
                {secret.token}
              </code>
            </Alert>
          </div>
        )}
      </Card>
      <Card title="Tokens">
        <CardTable columns={['Name', 'Role', 'Prefix', 'Created', 'Last used', ACTIONS_COLUMN]}>
          {tokens.map((t) => (
            <tr key={t.id} className={t.revoked ? 'text-slate-600 line-through' : ''}>
              <td className="px-5 py-2">{t.name}</td>
              <td className="px-3 py-2">
                <Badge tone={t.role === 'admin' ? 'red' : t.role === 'flags' ? 'indigo' : 'gray'}>
                  {t.role}
                  {t.environment ? ` · ${t.environment}` : ''}
                </Badge>
              </td>
              <td className="px-3 py-2 font-mono text-xs">{t.prefix}…</td>
              <td className="px-3 py-2 text-xs">
                <TimeAgo at={t.createdAt} />
              </td>
              <td className="px-3 py-2 text-xs">{t.lastUsedAt ? <TimeAgo at={t.lastUsedAt} /> : 'never'}</td>
              <td className="px-3 py-2 text-right">
                {t.revoked ? (
                  <span className="text-xs">revoked</span>
                ) : (
                  <Button size="sm" variant="ghost" onClick={() => revoke(t)}>
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </CardTable>
      </Card>
    </div>
  );
}
