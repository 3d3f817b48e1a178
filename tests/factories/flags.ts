// Test data and clients for the flag server: rollouts whose flags cover every type and every
// kind of targeting, driven through the real services; flags tokens; a flag server started
// in-process on an ephemeral port; OpenFeature clients using the official OFREP provider.
import { randomUUID } from 'node:crypto';
import { OpenFeature, type Client } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { SYSTEM_ACTOR } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createRollout } from '../../lib/services/create-rollout';
import { createToken } from '../../lib/services/create-token';
import { transitionRollout, type TransitionInput } from '../../lib/services/transition-rollout';
import { startFlagServer, type FlagServer, type FlagServerOptions } from '../../lib/flag-server/server';

let n = 0;
/** a unique upper-case suffix so flag keys never collide across tests in one database */
export function suffix(): string {
  n++;
  return `${n}_${randomUUID().slice(0, 6).toUpperCase()}`;
}

export const fiftyFifty = { split: [{ value: 'v2', weight: 50 }, { value: 'v1', weight: 50 }] };

/**
 * A rollout with one flag of each type. Phase `targeted` sets an allow-list, a 50/50 split
 * (staging only) and attribute rules; phase `full` turns everything on.
 */
export function servingPlan(s = suffix()) {
  const k = {
    engine: `ENGINE_${s}`,
    beta: `BETA_${s}`,
    parallel: `PARALLEL_${s}`,
    limits: `LIMITS_${s}`,
  };
  const plan = {
    key: `serving-${s.toLowerCase().replace(/_/g, '-')}`,
    name: `Serving ${s}`,
    flags: [
      { key: k.engine, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' },
      { key: k.beta, type: 'boolean', baseline: false },
      { key: k.parallel, type: 'number', baseline: 3 },
      { key: k.limits, type: 'json', baseline: { batch: 10, retries: [1, 5] } },
    ],
    phases: [
      { key: 'dual', name: 'Dual mode', flags: { [k.engine]: 'dual', [k.parallel]: 4 } },
      {
        key: 'targeted',
        name: 'Targeted',
        flags: {
          [k.beta]: {
            rules: [{ name: 'internal beta', when: [{ attribute: 'targetingKey', op: 'in', values: ['andy@hotmatch.com'] }], value: true }],
            default: false,
          },
          [k.limits]: {
            rules: [{ when: [{ attribute: 'plan', op: 'in', values: ['enterprise'] }, { attribute: 'region', op: 'eq', values: ['eu'] }], value: { batch: 100, retries: [] } }],
            default: { batch: 20, retries: [1] },
          },
        },
      },
      { key: 'ab', name: 'A/B', environments: ['staging'], flags: { [k.engine]: fiftyFifty } },
      { key: 'full', name: 'Full', flags: { [k.engine]: 'v2', [k.beta]: true, [k.parallel]: 5 } },
    ],
  };
  return { keys: k, plan };
}

export async function ensureFlagEnvironments(): Promise<void> {
  await prisma().environment.createMany({
    data: [
      { key: 'staging', name: 'Staging', sortOrder: 0 },
      { key: 'production', name: 'Production', sortOrder: 1 },
    ],
    skipDuplicates: true,
  });
}

export async function createServingRollout(s = suffix()) {
  const { keys, plan } = servingPlan(s);
  await createRollout(SYSTEM_ACTOR, plan);
  return { keys, plan, rolloutKey: plan.key };
}

/** a lifecycle action at the rollout's current version, by the real transition service */
export async function act(rolloutKey: string, action: TransitionInput['action'], extra: Partial<TransitionInput> = {}) {
  const r = await prisma().rollout.findUniqueOrThrow({ where: { key: rolloutKey }, select: { version: true } });
  return transitionRollout(SYSTEM_ACTOR, { key: rolloutKey, action, expectedVersion: r.version, reason: `test: ${action}`, ...extra });
}

export async function flagsToken(environment: string): Promise<string> {
  return (await createToken(SYSTEM_ACTOR, { name: `flags ${environment} ${suffix()}`, role: 'flags', environment })).token;
}

export async function roleToken(role: 'viewer' | 'engineer' | 'approver' | 'admin'): Promise<string> {
  return (await createToken(SYSTEM_ACTOR, { name: `${role} ${suffix()}`, role })).token;
}

export async function revokeToken(secret: string): Promise<void> {
  const { hashToken } = await import('../../lib/auth/tokens');
  await prisma().apiToken.update({ where: { tokenHash: hashToken(secret) }, data: { revokedAt: new Date() } });
}

export async function startTestFlagServer(databaseUrl: string, opts: Partial<FlagServerOptions> = {}): Promise<FlagServer> {
  const server = await startFlagServer({ databaseUrl, port: 0, host: '127.0.0.1', pollIntervalMs: 250, log: () => {}, ...opts });
  return server;
}

/** an OpenFeature client (official server SDK + OFREP provider) bound to one token */
export async function ofrepClient(baseUrl: string, token: string, header: 'bearer' | 'x-api-key' = 'bearer'): Promise<Client> {
  const domain = `ofrep-${suffix()}`;
  const headers: [string, string][] = header === 'bearer' ? [['Authorization', `Bearer ${token}`]] : [['X-API-Key', token]];
  await OpenFeature.setProviderAndWait(domain, new OFREPProvider({ baseUrl, headers }));
  return OpenFeature.getClient(domain);
}

/** POST to the flag server with a token; returns status, headers and parsed body */
export async function post(baseUrl: string, path: string, token: string | null, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** polls `fn` until it returns something truthy or the deadline passes */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 5_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** a minimal SSE reader over fetch (Node 20 has no EventSource) */
export async function openEventStream(url: string, token: string, lastEventId?: string) {
  const ac = new AbortController();
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: ac.signal,
  });
  const events: { id?: string; data: Record<string, unknown> }[] = [];
  const waiters: (() => void)[] = [];
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buf = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let id: string | undefined;
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) id = line.slice(3).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trim());
            }
            if (data.length) {
              events.push({ id, data: JSON.parse(data.join('\n')) });
              waiters.splice(0).forEach((w) => w());
            }
          }
        }
      } catch {
        // aborted
      }
    })();
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    /** resolves with the next event after `count` events have been seen */
    async next(count: number, timeoutMs = 3_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length <= count) {
        if (Date.now() > deadline) throw new Error(`no SSE event #${count + 1} within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events[count];
    },
    close: () => ac.abort(),
  };
}

