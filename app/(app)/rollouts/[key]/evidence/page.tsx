import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { EvidenceView } from '@/components/evidence/evidence-view';
import { DEFAULT_RANGE } from '@/components/evidence/ranges';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { getEvidenceDashboard, ZEvidenceQuerySchema } from '@/lib/queries/dashboards';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }): Promise<Metadata> {
  return { title: `Evidence · ${(await params).key}` };
}

export default async function EvidencePage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const actor = await pageActor(`/rollouts/${key}/evidence`);
  const initial = await getEvidenceDashboard(actor, key, ZEvidenceQuerySchema.parse({ window: DEFAULT_RANGE })).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'not_found') notFound();
    throw e;
  });
  return <EvidenceView rolloutKey={key} initial={initial} />;
}
