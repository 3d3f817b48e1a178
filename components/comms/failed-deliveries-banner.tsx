import { formatCommsDate } from '@/lib/domain/comms';
import type { CommunicationsView } from '@/lib/queries/communications';

/**
 * Loud, at the top of the rollout: a message that did not reach a webhook after every retry.
 * The transition went through regardless; this is how people learn the announcement did not.
 */
export function FailedDeliveriesBanner({ comms }: { comms: Pick<CommunicationsView, 'failedCount' | 'failures'> }) {
  if (!comms.failedCount) return null;
  const n = comms.failedCount;
  return (
    <div role="alert" className="rounded-lg border-l-4 border-red-600 bg-red-50 px-4 py-3 text-sm text-red-900 ring-1 ring-red-200 ring-inset" data-testid="failed-deliveries">
      <p className="font-semibold">
        <span aria-hidden="true">✗ </span>
        {n === 1 ? '1 message was not delivered' : `${n} messages were not delivered`} to a webhook after every retry.
      </p>
      <ul className="mt-1.5 space-y-1">
        {comms.failures.map((f) => (
          <li key={f.deliveryId}>
            <span className="font-medium">{f.webhook}</span>: {f.error}
            <span className="text-red-800">
              {' '}
              ({f.attempts} {f.attempts === 1 ? 'attempt' : 'attempts'}, last {formatCommsDate(new Date(f.at))}) — “{f.excerpt}”
            </span>
          </li>
        ))}
      </ul>
      {n > comms.failures.length && <p className="mt-1">…and {n - comms.failures.length} more.</p>}
      <p className="mt-1.5">
        The transitions went through. Tell the audience another way, and check the webhook in{' '}
        <a href="#communications" className="font-medium underline">
          the delivery log
        </a>
        .
      </p>
    </div>
  );
}
