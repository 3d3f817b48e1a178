'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { createUserAction, updateUserAction } from '@/lib/actions/users';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, TextInput } from '@/components/ui/field';
import { TimeAgo } from '@/components/ui/time-ago';
import type { UserView } from '@/lib/queries/users';
import { EditUserDialog } from './users-edit-dialog';
import { parseSignoffRoles, RoleSelect, SignoffRolesInput } from './users-form';
import { ACTIONS_COLUMN, CardTable } from '@/components/ui/card-table';

export function UsersManager({ users, currentUserId }: { users: UserView[]; currentUserId: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [editing, setEditing] = useState<UserView | null>(null);

  async function create(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    setPending(true);
    setError(null);
    setNotice(null);
    const res = await createUserAction({
      email: String(data.get('email') ?? ''),
      name: String(data.get('name') ?? ''),
      role: String(data.get('role') ?? ''),
      signoffRoles: parseSignoffRoles(String(data.get('signoffRoles') ?? '')),
      ...(password ? { password } : {}),
    });
    setPending(false);
    if (!res.ok) return setError(res.error.message);
    setNotice(`${res.data.email} added${res.data.hasPassword ? '' : ' without a password: they cannot sign in until you set one'}.`);
    form.reset();
    router.refresh();
  }

  async function toggle(u: UserView) {
    const disabling = !u.disabled;
    if (disabling && !window.confirm(`Disable ${u.email}? Their sessions end and their personal tokens are revoked now.`)) return;
    setError(null);
    setNotice(null);
    const res = await updateUserAction(u.id, { disabled: disabling });
    if (!res.ok) setError(res.error.message);
    else setNotice(`${u.email} ${disabling ? 'disabled' : 'enabled'}.`);
    router.refresh();
  }

  return (
    <div className="space-y-6">
      <Card title="Add a user">
        <form onSubmit={create} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          <Field id="user-email" label="Email">
            <TextInput id="user-email" name="email" type="email" required autoComplete="off" placeholder="ada@example.com" className="w-full" />
          </Field>
          <Field id="user-name" label="Name">
            <TextInput id="user-name" name="name" required autoComplete="off" placeholder="Ada Lovelace" className="w-full" />
          </Field>
          <RoleSelect id="user-role" defaultValue="viewer" />
          <SignoffRolesInput id="user-signoff-roles" defaultValue={[]} />
          <div>
            <Field id="user-password" label="Password (optional, 12+ characters)">
              <TextInput id="user-password" name="password" type="password" minLength={12} autoComplete="new-password" className="w-full" aria-describedby="user-password-hint" />
            </Field>
            <p id="user-password-hint" className="mt-0.5 text-xs text-slate-600">
              Without one they cannot sign in until you set it.
            </p>
          </div>
          <div className="flex items-end">
            <Button type="submit" variant="primary" disabled={pending}>
              Add user
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
      <Card title="Users">
        <CardTable columns={['Name', 'Role', 'Sign-off roles', 'Status', 'Added', ACTIONS_COLUMN]}>
          {users.map((u) => {
            const self = u.id === currentUserId;
            return (
              <tr key={u.id} data-testid={`user-${u.email}`} className={u.disabled ? 'bg-slate-50 text-slate-600' : ''}>
                <td className="px-5 py-2">
                  <div className="font-medium text-slate-900">
                    {u.name}
                    {self && <span className="ml-1 text-xs font-normal text-slate-600">(you)</span>}
                  </div>
                  <div className="text-xs text-slate-600">{u.email}</div>
                </td>
                <td className="px-3 py-2">
                  <Badge tone={u.role === 'admin' ? 'red' : u.role === 'approver' ? 'indigo' : 'gray'}>{u.role}</Badge>
                </td>
                <td className="px-3 py-2">
                  {u.signoffRoles.length ? (
                    <ul className="flex flex-wrap gap-1" aria-label={`Sign-off roles of ${u.name}`}>
                      {u.signoffRoles.map((r) => (
                        <li key={r}>
                          <Badge tone="blue">{r}</Badge>
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="text-xs text-slate-600">none</span>
                  )}
                </td>
                <td className="px-3 py-2 text-xs">
                  {u.disabled ? <Badge tone="amber">disabled</Badge> : <Badge tone="green">active</Badge>}
                  {u.oidc && (
                    <Badge tone="indigo" className="ml-1" title="Signs in through the identity provider (single sign-on)" data-testid="sso-marker">
                      SSO
                    </Badge>
                  )}
                  {!u.hasPassword && !u.oidc && <div className="mt-0.5 text-slate-600">no password</div>}
                </td>
                <td className="px-3 py-2 text-xs">
                  <TimeAgo at={u.createdAt} />
                </td>
                <td className="px-3 py-2 text-right whitespace-nowrap">
                  <Button size="sm" variant="ghost" onClick={() => setEditing(u)} aria-label={`Edit ${u.email}`}>
                    Edit
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => toggle(u)}
                    disabled={self && !u.disabled}
                    className="disabled:opacity-40"
                    title={self && !u.disabled ? 'You cannot disable yourself' : undefined}
                    aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.email}`}
                  >
                    {u.disabled ? 'Enable' : 'Disable'}
                  </Button>
                </td>
              </tr>
            );
          })}
        </CardTable>
      </Card>
      <EditUserDialog
        user={editing}
        self={editing?.id === currentUserId}
        onClose={() => setEditing(null)}
        onSaved={(u) => {
          setEditing(null);
          setError(null);
          setNotice(`${u.email} saved.`);
          router.refresh();
        }}
      />
    </div>
  );
}
