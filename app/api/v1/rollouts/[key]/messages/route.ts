import { json, route } from '@/lib/http';
import { listRolloutMessages } from '@/lib/queries/webhooks';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => json(await listRolloutMessages(await actor(), params.key)));
