import type { Metadata } from 'next';
import { WebhooksManager } from '@/components/settings/webhooks-manager';
import { can } from '@/lib/auth/actor';
import { pageActor } from '@/lib/auth/session';
import { listPlanAudiences } from '@/lib/queries/communications';
import { listWebhooks } from '@/lib/queries/webhooks';

export const metadata: Metadata = { title: 'Webhooks' };
export const dynamic = 'force-dynamic';

export default async function WebhooksPage() {
  const actor = await pageActor('/settings/webhooks');
  if (!can(actor, 'webhook.manage')) {
    return <p className="text-sm text-slate-600">Only admins manage webhooks (you are {actor.role}).</p>;
  }
  const [webhooks, audiences] = await Promise.all([listWebhooks(actor), listPlanAudiences(actor)]);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Webhooks</h1>
        <p className="mt-1 max-w-3xl text-sm text-slate-600">
          Where the rollouts&rsquo; messages go: each phase&rsquo;s comms, transitions and red flags, sent by the worker with retries and backoff. Every delivery and its attempts are in the
          rollout&rsquo;s delivery log; a failed one shows on the rollout and never blocks a transition. Every change here is in the audit log.
        </p>
      </div>
      <WebhooksManager webhooks={webhooks} audiences={audiences} />
    </div>
  );
}
