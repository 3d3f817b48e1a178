import type { Metadata } from 'next';
import { SecurityLog } from '@/components/settings/security-log';
import { pageActor } from '@/lib/auth/session';
import { listSecurityEvents } from '@/lib/queries/security-events';
import { SECURITY_EVENT_TYPES, type SecurityEventType } from '@/lib/security/log';

export const metadata: Metadata = { title: 'Security log' };
export const dynamic = 'force-dynamic';

export default async function SecurityPage({ searchParams }: { searchParams: Promise<{ type?: string }> }) {
  const actor = await pageActor();
  const { type } = await searchParams;
  const t = (SECURITY_EVENT_TYPES as readonly string[]).includes(type ?? '') ? (type as SecurityEventType) : undefined;
  const events = await listSecurityEvents(actor, { limit: 200, type: t });
  return <SecurityLog events={events} type={t ?? null} types={[...SECURITY_EVENT_TYPES]} />;
}
