import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { ReportView } from '@/components/rollouts/report-view';
import { pageActor } from '@/lib/auth/session';
import { AppError } from '@/lib/errors';
import { loadReport } from '@/lib/queries/report';

export const metadata: Metadata = { title: 'Readiness report' };
export const dynamic = 'force-dynamic';

export default async function ReportPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const actor = await pageActor();
  const m = await loadReport(actor, key).catch((e: unknown) => {
    if (e instanceof AppError && e.code === 'not_found') notFound();
    throw e;
  });
  return <ReportView m={m} />;
}
