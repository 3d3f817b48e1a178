import { Badge, type Tone } from '@/components/ui/badge';

const TONE: Record<string, Tone> = {
  draft: 'gray',
  active: 'blue',
  paused: 'amber',
  completed: 'green',
  rolled_back: 'orange',
  aborted: 'red',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge tone={TONE[status] ?? 'gray'} data-testid="status-badge">
      {status.replace('_', ' ')}
    </Badge>
  );
}
