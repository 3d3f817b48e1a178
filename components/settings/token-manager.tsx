'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createTokenAction, revokeTokenAction } from '@/app/(app)/settings/tokens/actions';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { relativeTime } from '@/lib/format';

interface TokenRow {
  id: string;
  name: string;
  role: string;
  environment: string | null;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revoked: boolean;
}

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
          <div>
            <label htmlFor="token-name" className="block text-xs font-medium text-slate-700">
              Name
            </label>
            <input id="token-name" name="name" required placeholder="market-scan worker" className="mt-1 w-56 rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-indigo-600" />
          </div>
          <div>
            <label htmlFor="token-role" className="block text-xs font-medium text-slate-700">
              Role
            </label>
            <select id="token-role" value={role} onChange={(e) => setRole(e.target.value)} className="mt-1 rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset">
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r === 'flags' ? 'flags (read flags of one environment)' : r}
                </option>
              ))}
            </select>
          </div>
          {role === 'flags' && (
            <div>
              <label htmlFor="token-env" className="block text-xs font-medium text-slate-700">
                Environment
              </label>
              <select id="token-env" name="environment" className="mt-1 rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-slate-300 ring-inset">
                {environments.map((e) => (
                  <option key={e}>{e}</option>
                ))}
              </select>
            </div>
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
        <div className="-mx-5 overflow-x-auto">
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs font-semibold tracking-wide text-slate-500 uppercase">
              <tr className="border-b border-slate-200">
                <th scope="col" className="px-5 py-2">Name</th>
                <th scope="col" className="px-3 py-2">Role</th>
                <th scope="col" className="px-3 py-2">Prefix</th>
                <th scope="col" className="px-3 py-2">Created</th>
                <th scope="col" className="px-3 py-2">Last used</th>
                <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tokens.map((t) => (
                <tr key={t.id} className={t.revoked ? 'text-slate-400' : ''}>
                  <td className="px-5 py-2">{t.name}</td>
                  <td className="px-3 py-2">
                    <Badge tone={t.role === 'admin' ? 'red' : t.role === 'flags' ? 'indigo' : 'gray'}>
                      {t.role}
                      {t.environment ? ` · ${t.environment}` : ''}
                    </Badge>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{t.prefix}…</td>
                  <td className="px-3 py-2 text-xs" suppressHydrationWarning>
                    {relativeTime(t.createdAt)}
                  </td>
                  <td className="px-3 py-2 text-xs" suppressHydrationWarning>
                    {t.lastUsedAt ? relativeTime(t.lastUsedAt) : 'never'}
                  </td>
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
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
