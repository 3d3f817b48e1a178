import type { Metadata } from 'next';
import { PortfolioView } from '@/components/evidence/portfolio-view';
import { pageActor } from '@/lib/auth/session';
import { getPortfolio } from '@/lib/queries/dashboards';

export const metadata: Metadata = { title: 'Portfolio' };
export const dynamic = 'force-dynamic';

export default async function PortfolioPage() {
  const actor = await pageActor('/portfolio');
  return <PortfolioView initial={await getPortfolio(actor)} />;
}
