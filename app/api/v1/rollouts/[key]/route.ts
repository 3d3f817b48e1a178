import { json, route } from '@/lib/http';
import { getRollout } from '@/lib/queries/rollouts';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => json(await getRollout(await actor(), params.key)));
