'use server';
// Sign-out: a form action (works before hydration), so it is a POST with the Origin checked.
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { clearedSessionCookie } from '@/lib/auth/issue-session';
import { signOut } from '@/lib/services/sign-out';
import { runAction } from './context';

export async function signOutAction(): Promise<void> {
  await runAction('signOut', async ({ actor, info }) => signOut(actor, actor.sessionId ?? null, info));
  const c = clearedSessionCookie();
  (await cookies()).set(c.name, '', c.options);
  redirect('/signin');
}
