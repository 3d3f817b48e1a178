import { json, route } from '@/lib/http';
import { withdrawSignoff } from '@/lib/services/withdraw-signoff';

export const dynamic = 'force-dynamic';

export const DELETE = route<{ key: string; phase: string; role: string }>(async ({ params, actor, requestId }) =>
  json(await withdrawSignoff(await actor(), { key: params.key, phase: params.phase, role: params.role, requestId })),
);
