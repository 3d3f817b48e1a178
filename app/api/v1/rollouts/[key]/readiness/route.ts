import { json, route } from '@/lib/http';
import { getReadiness } from '@/lib/queries/readiness';

export const dynamic = 'force-dynamic';

export const GET = route<{ key: string }>(async ({ params, actor }) => json(await getReadiness(await actor(), params.key)));
