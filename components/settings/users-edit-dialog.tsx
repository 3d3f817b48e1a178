'use client';
import { useState } from 'react';
import { updateUserAction } from '@/lib/actions/users';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field, TextInput } from '@/components/ui/field';
import type { UserView } from '@/lib/queries/users';
import { parseSignoffRoles, RoleSelect, SignoffRolesInput } from './users-form';

/** Edits name, role, sign-off roles and (optionally) sets a new password. */
export function EditUserDialog({ user, self, onClose, onSaved }: { user: UserView | null; self: boolean; onClose: () => void; onSaved: (u: UserView) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function save(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!user) return;
    const data = new FormData(e.currentTarget);
    const password = String(data.get('password') ?? '');
    setPending(true);
    setError(null);
    const res = await updateUserAction(user.id, {
      name: String(data.get('name') ?? ''),
      // your own admin role cannot be dropped; the select is disabled (and sends nothing) then
      ...(data.has('role') ? { role: String(data.get('role')) } : {}),
      signoffRoles: parseSignoffRoles(String(data.get('signoffRoles') ?? '')),
      ...(password ? { password } : {}),
    });
    setPending(false);
    if (!res.ok) return setError(res.error.message);
    onSaved(res.data);
  }

  const close = () => {
    setError(null);
    onClose();
  };

  return (
    <Dialog
      open={user !== null}
      onClose={close}
      title={user ? `Edit ${user.email}` : 'Edit user'}
      description="Changes are recorded in the audit log, sign-off roles included."
    >
      {user && (
        <form key={user.id} onSubmit={save} className="space-y-3">
          <Field id="edit-name" label="Name">
            <TextInput id="edit-name" name="name" required defaultValue={user.name} className="w-full" />
          </Field>
          <RoleSelect id="edit-role" defaultValue={user.role} disabled={self && user.role === 'admin'} />
          {self && user.role === 'admin' && <p className="text-xs text-slate-600">You cannot remove your own admin role; another admin can.</p>}
          <SignoffRolesInput id="edit-signoff-roles" defaultValue={user.signoffRoles} />
          <Field id="edit-password" label={user.hasPassword ? 'New password (leave empty to keep it)' : 'Set a password (12+ characters)'}>
            <TextInput id="edit-password" name="password" type="password" minLength={12} autoComplete="new-password" className="w-full" />
          </Field>
          {error && <Alert>{error}</Alert>}
          <div className="flex justify-end gap-2 pt-2">
            <Button onClick={close}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={pending}>
              Save
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
