import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { CommsRefresher } from '@/components/comms/comms-refresher';
import { CommunicationsPanel } from '@/components/comms/communications-panel';
import { FailedDeliveriesBanner } from '@/components/comms/failed-deliveries-banner';
import { RolloutView } from '@/components/rollouts/rollout-view';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { getCommunications } from '@/lib/queries/communications';
import { getRollout, listAudit } from '@/lib/queries/rollouts';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }): Promise<Metadata> {
  return { title: (await params).key };
}

export default async function RolloutPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const actor = await pageActor(`/rollouts/${key}`);
  const loaded = await Promise.all([getRollout(actor, key), listAudit(actor, key), getCommunications(actor, key)]).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'not_found') notFound();
    throw e;
  });
  const [rollout, audit, comms] = loaded;
  return (
    <div className="space-y-6">
      {/* a failed delivery is loud on the rollout, never silent (issue 9) */}
      <FailedDeliveriesBanner comms={comms} />
      <RolloutView initial={rollout} initialAudit={audit} canTransition={can(actor, 'rollout.transition')} role={actor.role} />
      <CommunicationsPanel comms={comms} />
      <CommsRefresher rolloutKey={key} version={comms.version} inFlight={comms.inFlight} />
    </div>
  );
}
