import { formatDateTime, relativeTime } from '@/lib/format';

/** "3h 12m ago", with the exact UTC time on hover; the server's and the browser's clocks differ. */
export function TimeAgo({ at, className }: { at: string; className?: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)} className={className} suppressHydrationWarning>
      {relativeTime(at)}
    </time>
  );
}
