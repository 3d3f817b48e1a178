import type { Metadata } from 'next';
import { Inbox } from '@/components/inbox/inbox';
import { pageActor } from '@/lib/auth/session';
import { getInbox } from '@/lib/queries/governance';

export const metadata: Metadata = { title: 'Inbox' };
export const dynamic = 'force-dynamic';

export default async function InboxPage() {
  const actor = await pageActor('/inbox');
  const inbox = await getInbox(actor);
  return <Inbox entries={inbox.entries} signoffRoles={inbox.signoffRoles} />;
}
