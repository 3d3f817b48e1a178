import { json, route } from '@/lib/http';
import { environmentFlags } from '@/lib/queries/environment-flags';

export const dynamic = 'force-dynamic';

export const GET = route<{ env: string }>(async ({ params, actor }) => json(await environmentFlags(await actor(), params.env)));
