'use client';
// Client-side reads of the dashboards for TanStack Query: the same REST endpoints scripts use.
import type { ComparisonRowView, EvidenceDashboard, PortfolioEntry } from '@/lib/queries/dashboards';
import { getJson } from '@/components/rollouts/api';

const enc = encodeURIComponent;

export const dashboardKeys = {
  evidence: (key: string, window: string) => ['rollout', key, 'evidence', window] as const,
  rows: (key: string, q: RowsQuery) => ['rollout', key, 'evidence-rows', q] as const,
  portfolio: ['portfolio'] as const,
};

export const fetchEvidence = (key: string, window: string) => getJson<EvidenceDashboard>(`/api/v1/rollouts/${enc(key)}/evidence?window=${enc(window)}`);

export interface RowsQuery {
  window: string;
  category?: string;
  outcome: 'any' | 'mismatch' | 'compatible';
  tolerance: number;
  cursor?: string;
}

export const fetchComparisonRows = (key: string, q: RowsQuery) => {
  const p = new URLSearchParams({ window: q.window, outcome: q.outcome, tolerance: String(q.tolerance), limit: '20' });
  if (q.category !== undefined) p.set('category', q.category);
  if (q.cursor) p.set('cursor', q.cursor);
  return getJson<{ rows: ComparisonRowView[]; nextCursor: string | null }>(`/api/v1/rollouts/${enc(key)}/evidence/comparisons?${p}`);
};

export const fetchPortfolio = () => getJson<{ at: string; rollouts: PortfolioEntry[] }>('/api/v1/portfolio');

/** dashboards re-read less often than the rollout page: the rollups move per minute */
export const DASHBOARD_POLL_MS = 10_000;
