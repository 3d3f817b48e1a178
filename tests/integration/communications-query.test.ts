// The rollout page's Communications read model (lib/queries/communications.ts) against a real
// Postgres: per phase, each comms template previewed with today's values (rollout, planned entry,
// readiness of the next step); the messages a transition produced with their deliveries; and a
// failed delivery counted and named for the banner, with its attempt log.
import { beforeAll, describe, expect, it } from 'vitest';
import { prisma } from '../../lib/db';
import { SYSTEM_ACTOR, type Actor } from '../../lib/auth/actor';
import { createRollout } from '../../lib/services/create-rollout';
import { createWebhook } from '../../lib/services/create-webhook';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { getCommunications, listPlanAudiences } from '../../lib/queries/communications';
import { ensureEnvironments, marketScanPlan, uniq } from '../factories/rollouts';
import { setupTestDatabase } from '../helpers/db';

const viewer: Actor = { kind: 'user', id: null, name: 'Vera Viewer', role: 'viewer' };

beforeAll(async () => {
  await setupTestDatabase();
  await ensureEnvironments();
});

function planWithComms() {
  const { plan } = marketScanPlan();
  plan.phases[0] = {
    ...plan.phases[0],
    comms: [
      { audience: 'Engineering Team', when: 'before', template: '{{rollout.name}}: starting {{phase.name}} ({{phase.number}}/{{phase.count}}); next step no earlier than {{eta}}. Gate: {{readiness.passing}} of {{readiness.total}} passing.' },
      { audience: 'Support Team', when: 'after', offset: '30d', template: '{{phase.name}} has run for 30 days.' },
    ],
  } as (typeof plan.phases)[number];
  plan.phases[1] = {
    ...plan.phases[1],
    comms: [{ audience: 'Product Team', when: 'before', offset: '7d', template: 'In a week: {{phase.name}} (after {{previousPhase.name}}).' }],
  } as (typeof plan.phases)[number];
  return plan;
}

describe('getCommunications', () => {
  it('previews every template of a draft with the planned dates and the next step\'s readiness', async () => {
    const plan = planWithComms();
    await createRollout(SYSTEM_ACTOR, plan);
    const now = new Date('2026-11-01T00:00:00Z');
    const c = await getCommunications(viewer, plan.key, now);
    expect(c.phases.map((p) => [p.key, p.status, p.templates.length])).toEqual([
      ['dual', 'pending', 2],
      ['v2-only', 'pending', 1],
      ['v2-default', 'pending', 0],
    ]);
    const [start, later] = c.phases[0].templates;
    // projected from now: dual entered now, its 24h minimum → eta tomorrow; the start gate has one reason (status)
    expect(start.preview).toMatch(/^Market scan engine V2: starting Dual mode monitoring \(1\/3\); next step no earlier than 2026-11-02 00:00 UTC\. Gate: \d+ of \d+ passing\.$/);
    expect(start).toMatchObject({ audience: 'Engineering Team', when: 'before', offset: null, dueRule: 'at the transition into Dual mode monitoring', dueEstimate: now.toISOString(), lastMessage: null });
    expect(later).toMatchObject({ when: 'after', offset: '30d', dueRule: '30d after Dual mode monitoring is entered', dueEstimate: '2026-12-01T00:00:00.000Z' });
    // 7 days before v2-only's planned start (now + 24h) is in the past: at once, never earlier than now
    expect(c.phases[1].templates[0]).toMatchObject({ preview: 'In a week: Soft V2 rollout (after Dual mode monitoring).', dueRule: "7d before Soft V2 rollout's planned start", dueEstimate: now.toISOString() });
    expect(c).toMatchObject({ messages: [], messageCount: 0, failedCount: 0, failures: [], inFlight: 0, previewAs: 'as Vera Viewer, 2026-11-01 00:00 UTC' });
    for (const p of c.phases) for (const t of p.templates) expect(t.preview).not.toContain('{{');
  });

  it('lists the messages of a transition with their deliveries; a failed one is counted, named and logged', async () => {
    const plan = planWithComms();
    await createRollout(SYSTEM_ACTOR, plan);
    const hook = await createWebhook(SYSTEM_ACTOR, { name: uniq('hook'), url: 'http://127.0.0.1:9/hook', format: 'slack', audiences: [], events: [] });
    await transitionRollout(SYSTEM_ACTOR, { key: plan.key, action: 'start', expectedVersion: 1, reason: 'go' });

    let c = await getCommunications(viewer, plan.key);
    expect(c.version).toBe(2);
    const kinds = c.messages.map((m) => [m.kind, m.audience]).sort();
    // the transition, dual's two messages (one due in 30 days), v2-only's D-7 heads-up
    expect(kinds).toEqual([
      ['comms', 'Engineering Team'],
      ['comms', 'Product Team'],
      ['comms', 'Support Team'],
      ['transition', null],
    ]);
    const announcement = c.messages.find((m) => m.audience === 'Engineering Team')!;
    expect(announcement.body).toMatch(/^Market scan engine V2: starting Dual mode monitoring \(1\/3\)/);
    expect(announcement).toMatchObject({ phaseKey: 'dual', phaseName: 'Dual mode monitoring', when: 'before' });
    expect(announcement.deliveries).toEqual([expect.objectContaining({ webhook: { id: hook.id, name: hook.name, format: 'slack', disabled: false }, status: 'pending', attempts: 0, log: [] })]);
    // due now: transition, announcement, heads-up; the 30-day one waits
    expect(c.inFlight).toBe(3);
    expect(c.phases[0].status).toBe('current');
    expect(c.phases[0].templates[0].lastMessage).toMatchObject({ id: announcement.id, status: 'pending' });
    expect(c.phases[0].templates[0].dueEstimate).toBeNull();
    expect(c.failedCount).toBe(0);

    // the worker's last attempt failed (the worker itself: tests/integration/comms-delivery.test.ts)
    const d = announcement.deliveries[0];
    await prisma().deliveryAttempt.createMany({
      data: [
        { deliveryId: d.id, attempt: 2, statusCode: 503, error: 'HTTP 503 Service Unavailable', durationMs: 12 },
        { deliveryId: d.id, attempt: 1, statusCode: null, error: 'connect ECONNREFUSED 127.0.0.1:9', durationMs: 3 },
      ],
    });
    await prisma().webhookDelivery.update({ where: { id: d.id }, data: { status: 'failed', attempts: 2, lastStatus: 503, lastError: 'HTTP 503 Service Unavailable' } });

    c = await getCommunications(viewer, plan.key);
    expect(c.failedCount).toBe(1);
    expect(c.failures).toEqual([
      expect.objectContaining({ deliveryId: d.id, messageId: announcement.id, webhook: hook.name, attempts: 2, lastStatus: 503, error: 'HTTP 503 Service Unavailable', excerpt: expect.stringMatching(/^Market scan engine V2: starting/) }),
    ]);
    const failed = c.messages.find((m) => m.id === announcement.id)!.deliveries[0];
    expect(failed.status).toBe('failed');
    expect(failed.log.map((a) => [a.attempt, a.statusCode, a.error])).toEqual([
      [1, null, 'connect ECONNREFUSED 127.0.0.1:9'],
      [2, 503, 'HTTP 503 Service Unavailable'],
    ]);
    expect(c.phases[0].templates[0].lastMessage?.status).toBe('failed');
    expect(c.inFlight).toBe(2);

    // another rollout's failures are not this one's
    const other = planWithComms();
    await createRollout(SYSTEM_ACTOR, other);
    expect((await getCommunications(viewer, other.key)).failedCount).toBe(0);
  });

  it('is for readers of rollouts: a flags token is refused, an unknown key is 404; plan audiences are for admins', async () => {
    const plan = planWithComms();
    await createRollout(SYSTEM_ACTOR, plan);
    await expect(getCommunications({ kind: 'token', id: null, name: 'flags', role: 'flags' }, plan.key)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(getCommunications(viewer, 'no-such-rollout')).rejects.toMatchObject({ code: 'not_found' });
    await expect(listPlanAudiences(viewer)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await listPlanAudiences(SYSTEM_ACTOR)).toEqual(expect.arrayContaining(['Engineering Team', 'Product Team', 'Support Team']));
  });
});
