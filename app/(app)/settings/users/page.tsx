import type { Metadata } from 'next';
import { UsersManager } from '@/components/settings/users-manager';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { listUsers } from '@/lib/queries/users';

export const metadata: Metadata = { title: 'Users' };
export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const actor = await pageActor('/settings/users');
  if (!can(actor, 'user.manage')) {
    return <p className="text-sm text-slate-600">Only admins manage users (you are {actor.role}).</p>;
  }
  const users = await listUsers(actor);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Users</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          People who sign in, their role, and the sign-off roles they hold (a gate that asks for a &ldquo;Technical Lead&rdquo; counts only people holding that role).
          Every change is in the audit log. Disabling someone ends their sessions and revokes their personal tokens at once.
        </p>
      </div>
      <UsersManager users={users} currentUserId={actor.userId ?? actor.id} />
    </div>
  );
}
