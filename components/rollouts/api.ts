'use client';
// Client-side reads for TanStack Query: the same REST API scripts use, with the session cookie.
import type { Readiness } from '@/lib/domain/readiness';
import type { SignoffSheet } from '@/lib/queries/governance';
import type { AuditEntry, RolloutDetail, RolloutSummary } from '@/lib/queries/rollouts';
import type { TimelineView } from '@/lib/queries/timeline';

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET a JSON document from the REST API; a problem document becomes an ApiError with its detail. */
export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    let detail = `${res.status} ${res.statusText}`;
    try {
      detail = ((await res.json()) as { detail?: string }).detail ?? detail;
    } catch {
      // not a problem document
    }
    throw new ApiError(res.status, detail);
  }
  return (await res.json()) as T;
}

export const rolloutKeys = {
  list: ['rollouts'] as const,
  detail: (key: string) => ['rollout', key] as const,
  audit: (key: string) => ['rollout', key, 'audit'] as const,
  readiness: (key: string) => ['rollout', key, 'readiness'] as const,
  timeline: (key: string) => ['rollout', key, 'timeline'] as const,
  signoffs: (key: string, phase: string) => ['rollout', key, 'signoffs', phase] as const,
};

export const fetchRollouts = () => getJson<{ rollouts: RolloutSummary[] }>('/api/v1/rollouts').then((r) => r.rollouts);
export const fetchRollout = (key: string) => getJson<RolloutDetail>(`/api/v1/rollouts/${encodeURIComponent(key)}`);
export const fetchAudit = (key: string) => getJson<{ events: AuditEntry[] }>(`/api/v1/rollouts/${encodeURIComponent(key)}/audit`).then((r) => r.events);

export const fetchTimeline = (key: string) => getJson<TimelineView>(`/api/v1/rollouts/${encodeURIComponent(key)}/timeline`);

export type ReadinessView = Readiness & { key: string; version: number };
export const fetchReadiness = (key: string) => getJson<ReadinessView>(`/api/v1/rollouts/${encodeURIComponent(key)}/readiness`);
export const fetchSignoffs = (key: string, phase: string) =>
  getJson<SignoffSheet>(`/api/v1/rollouts/${encodeURIComponent(key)}/phases/${encodeURIComponent(phase)}/signoffs`);

/** how often open pages re-read, so two people see each other's changes without reloading */
export const POLL_MS = 3_000;
