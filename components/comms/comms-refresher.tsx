'use client';
import { useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { fetchRollout, rolloutKeys } from '@/components/rollouts/api';

const IN_FLIGHT_MS = 3_000;

/**
 * Keeps the server-rendered Communications panel and banner current: re-renders the page when
 * the rollout's version moves on (a transition produced messages) and, while deliveries are
 * still under way, every few seconds until they settle (delivered, failed or skipped).
 * It reads the rollout detail the rollout view already polls (same query key, no extra request).
 */
export function CommsRefresher({ rolloutKey, version, inFlight }: { rolloutKey: string; version: number; inFlight: number }) {
  const router = useRouter();
  const { data } = useQuery({ queryKey: rolloutKeys.detail(rolloutKey), queryFn: () => fetchRollout(rolloutKey) });
  const current = data?.version;
  useEffect(() => {
    if (current !== undefined && current !== version) router.refresh();
  }, [current, version, router]);
  useEffect(() => {
    if (!inFlight) return;
    const t = setInterval(() => router.refresh(), IN_FLIGHT_MS);
    return () => clearInterval(t);
  }, [inFlight, router]);
  return null;
}
