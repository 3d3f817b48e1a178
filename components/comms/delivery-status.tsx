import { Badge, type Tone } from '@/components/ui/badge';
import type { DeliveryStatus } from '@/lib/queries/communications';

const TONE: Record<DeliveryStatus | 'unsent', Tone> = {
  delivered: 'green',
  failed: 'red',
  queued: 'blue',
  pending: 'gray',
  skipped: 'amber',
  unsent: 'gray',
};
const LABEL: Record<DeliveryStatus | 'unsent', string> = {
  delivered: 'delivered',
  failed: 'failed',
  queued: 'sending',
  pending: 'scheduled',
  skipped: 'skipped',
  unsent: 'no webhook',
};

/** A delivery's status; a failure carries a mark besides its colour. */
export function DeliveryStatusBadge({ status }: { status: DeliveryStatus | 'unsent' }) {
  return (
    <Badge tone={TONE[status]} data-testid="delivery-status" data-status={status}>
      {status === 'failed' && <span aria-hidden="true" className="mr-1">✗</span>}
      {status === 'delivered' && <span aria-hidden="true" className="mr-1">✓</span>}
      {LABEL[status]}
    </Badge>
  );
}
