import { json, route } from '@/lib/http';
import { getTimeline } from '@/lib/queries/timeline';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => json(await getTimeline(await actor(), params.key)));
