// Phase communications end to end (issue 9): a transition renders its phase's comms with real
// values into messages and pending deliveries in its own transaction; the worker — a real
// `tsx lib/worker/main.ts` child process — delivers them to a real HTTP receiver on 127.0.0.1
// that fails the first attempts, with pg-boss retries and backoff and one attempt row each. A
// receiver that always fails leaves the delivery `failed` after the retry limit, without
// touching the transition. Slack body, HMAC signature, audiences, events, disabled webhooks,
// skipped scheduled messages, a refused transition writing nothing, red-flag messages.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../lib/auth/actor';
import { prisma } from '../../lib/db';
import { createRollout } from '../../lib/services/create-rollout';
import { createWebhook } from '../../lib/services/create-webhook';
import { deliverMessage } from '../../lib/services/deliver-message';
import { evaluateRollout } from '../../lib/services/evaluate-rollout';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { ensureEnvironments, tokenFor, uniq } from '../factories/rollouts';
import { setupTestDatabase, type TestDatabase } from '../helpers/db';
import { push } from '../helpers/evidence';
import { ago, ENGINEER, startedRollout } from '../helpers/evaluator';

const root = path.resolve(__dirname, '../..');
const ADMIN: Actor = { kind: 'user', id: null, name: 'Ada Admin', role: 'admin' };
const ALICE: Actor = { kind: 'user', id: null, name: 'Alice', role: 'engineer' };
const SECRET = 'test-secret-0123456789abcdef';
const RETRIES = 2; // 3 attempts in all

let db: TestDatabase;
let server: Server;
let base: string;
const workers: ChildProcess[] = [];

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  answered: number;
  /** the X-Switchyard-Signature checked with SECRET, as a receiver would (null: none sent) */
  signatureValid: boolean | null;
}
const received: Received[] = [];
const seen = new Map<string, number>();

/** "<timestamp>.<body>" HMAC-SHA256 with the shared secret, compared in constant time */
function verify(secret: string, h: IncomingMessage['headers'], body: string): boolean | null {
  const sig = h['x-switchyard-signature'];
  const ts = h['x-switchyard-timestamp'];
  if (typeof sig !== 'string' || typeof ts !== 'string') return null;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`);
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got);
}

// /flaky/<n>/<name>: 500 to the first n requests of each delivery (keyed by its body), then 200
// /down/<name>: always 500
beforeAll(async () => {
  db = await setupTestDatabase();
  await ensureEnvironments();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '/';
      const key = `${url} ${req.headers['x-switchyard-delivery'] ?? body}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      const flaky = /^\/flaky\/(\d+)\//.exec(url);
      const status = url.startsWith('/down/') ? 500 : flaky && n <= Number(flaky[1]) ? 500 : 200;
      received.push({ path: url, headers: req.headers, body, answered: status, signatureValid: verify(SECRET, req.headers, body) });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver says no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? stopWorker(w) : null)));
});
afterAll(async () => {
  await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? stopWorker(w) : null)));
  await new Promise((r) => server.close(r));
});

// each test sees only its own webhooks
beforeEach(async () => {
  await prisma().webhook.updateMany({ where: { disabledAt: null }, data: { disabledAt: new Date() } });
});

async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/worker/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      SWITCHYARD_EVALUATOR_TICK_SECONDS: '1',
      SWITCHYARD_WEBHOOK_RETRIES: String(RETRIES),
      SWITCHYARD_WEBHOOK_RETRY_DELAY_SECONDS: '1',
      SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: '5',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`worker did not start in 20 s:\n${out}`)), 20_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('evaluator started')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      reject(new Error(`worker exited (${signal ?? code}) before starting:\n${out}`));
    });
  });
  child.removeAllListeners('exit');
  expect(out).toContain(`deliverer started: every 1s, queue deliver-message, ${RETRIES} retries from 1s, timeout 5s`);
  return child;
}

function stopWorker(w: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    w.once('exit', () => resolve());
    w.kill('SIGKILL');
  });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 40_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** dual (no wait) → beta (1h, comms) → ga (a `before` notice 30m ahead of its planned start) */
function commsPlan(extra: { betaChecklist?: boolean } = {}) {
  const key = uniq('marketplace-v2');
  const flag = `MP_${key.replace(/-/g, '_').toUpperCase()}`;
  return {
    key,
    name: 'Marketplace V2',
    owner: 'Team Market',
    flags: [{ key: flag, type: 'string', variants: ['v1', 'dual', 'v2'], baseline: 'v1' }],
    phases: [
      { key: 'dual', name: 'Dual', flags: { [flag]: 'dual' } },
      {
        key: 'beta',
        name: 'Beta',
        minDuration: '1h',
        flags: { [flag]: 'v2' },
        ...(extra.betaChecklist ? { checklist: [{ key: 'monitoring', text: 'Monitoring configured', required: true }] } : {}),
        comms: [
          { audience: 'Engineering', when: 'before', template: "We're starting {{phase.name}} of {{rollout.name}} ({{phase.number}}/{{phase.count}}) — {{action}} by {{actor}}; gate {{readiness.ready}}: {{readiness.summary}}" },
          { audience: 'Support', when: 'after', template: '{{phase.name}} is live for {{rollout.key}}; next {{nextPhase.name}} not before {{eta}}' },
          { audience: 'Engineering', when: 'after', offset: '2h', template: '{{phase.name}}: two hours in' },
        ],
      },
      {
        key: 'ga',
        name: 'GA',
        flags: { [flag]: 'v2' },
        comms: [{ audience: 'Engineering', when: 'before', offset: '30m', template: '{{phase.name}} of {{rollout.name}} is planned for {{eta}}' }],
      },
    ],
  };
}

const messagesOf = (key: string) =>
  prisma().message.findMany({
    where: { rollout: { key } },
    orderBy: [{ createdAt: 'asc' }, { scheduledAt: 'asc' }],
    include: { deliveries: { include: { webhook: true, attemptLog: { orderBy: { attempt: 'asc' } } } } },
  });

describe('phase communications', () => {
  it('a promote renders the entered phase\'s comms with real values and schedules its notices; the worker delivers with retries (500, 500, 200), a dead receiver ends failed after the limit, the transition never waits', async () => {
    const flaky = await createWebhook(ADMIN, { name: uniq('all-generic'), url: `${base}/flaky/2/all`, format: 'generic', secret: SECRET, audiences: [], events: [] });
    const slack = await createWebhook(ADMIN, { name: uniq('eng-slack'), url: `${base}/flaky/0/slack`, format: 'slack', audiences: ['Engineering'], events: ['comms'] });
    const down = await createWebhook(ADMIN, { name: uniq('support-down'), url: `${base}/down/support`, format: 'generic', secret: SECRET, audiences: ['Support'], events: ['comms'] });
    const off = await createWebhook(ADMIN, { name: uniq('disabled'), url: `${base}/flaky/0/disabled`, format: 'generic', secret: SECRET, audiences: [], events: [] });
    await prisma().webhook.update({ where: { id: off.id }, data: { disabledAt: new Date() } });

    const r = await createRollout(ENGINEER, commsPlan(), { requestId: 'comms' });
    const started = await transitionRollout(ALICE, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'go' });
    const t0 = Date.now();
    const promoted = await transitionRollout(ALICE, { key: r.key, action: 'promote', expectedVersion: started.version, reason: 'dual looked fine' });
    // the receivers are not touched by the transition: it is as fast as one without webhooks
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(promoted.status).toBe('active');
    const entry = await prisma().rollout.findUniqueOrThrow({ where: { key: r.key }, select: { phaseEnteredAt: true } });
    const enteredAt = entry.phaseEnteredAt!;

    const msgs = await messagesOf(r.key);
    const kinds = msgs.map((m) => `${m.kind}:${m.phaseKey}:${m.audience ?? '-'}:${m.when ?? '-'}`);
    expect([...kinds].sort()).toEqual(
      ['transition:dual:-:-', 'transition:beta:-:-', 'comms:beta:Engineering:before', 'comms:beta:Support:after', 'comms:beta:Engineering:after', 'comms:ga:Engineering:before'].sort(),
    );
    const byKind = (k: string) => msgs.find((m) => `${m.kind}:${m.phaseKey}:${m.audience ?? '-'}:${m.when ?? '-'}` === k)!;
    expect(byKind('transition:beta:-:-').body).toBe('Marketplace V2: promoted from Dual to Beta by Alice — “dual looked fine”');
    expect(byKind('comms:beta:Engineering:before').body).toBe("We're starting Beta of Marketplace V2 (2/3) — promote by Alice; gate ready: no criteria");
    const eta = new Date(enteredAt.getTime() + 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    expect(byKind('comms:beta:Support:after').body).toBe(`Beta is live for ${r.key}; next GA not before ${eta} UTC`);
    // due times: at the transition; 2 h after the entry; 30 min before GA's planned start (entry + 1 h)
    expect(byKind('comms:beta:Engineering:before').scheduledAt.getTime()).toBe(enteredAt.getTime());
    expect(byKind('comms:beta:Engineering:after').scheduledAt.getTime()).toBe(enteredAt.getTime() + 2 * 3600_000);
    expect(byKind('comms:ga:Engineering:before').scheduledAt.getTime()).toBe(enteredAt.getTime() + 30 * 60_000);
    expect(byKind('comms:ga:Engineering:before').body).toBe(`GA of Marketplace V2 is planned for ${eta} UTC`);
    // every message is tied to the audit row of its transition
    const audit = await prisma().auditEvent.findFirstOrThrow({ where: { rollout: { key: r.key }, action: 'promote' } });
    expect(msgs.filter((m) => m.phaseKey !== 'dual').every((m) => m.auditEventId === audit.id)).toBe(true);

    // who gets what: the generic one everything, slack only Engineering comms, the Support one only Support, the disabled one nothing
    const to = (id: string) => msgs.flatMap((m) => m.deliveries.filter((d) => d.webhookId === id).map(() => `${m.kind}:${m.phaseKey}:${m.audience ?? '-'}:${m.when ?? '-'}`)).sort();
    expect(to(flaky.id)).toHaveLength(6);
    expect(to(slack.id)).toEqual(['comms:beta:Engineering:after', 'comms:beta:Engineering:before', 'comms:ga:Engineering:before']);
    expect(to(down.id)).toEqual(['comms:beta:Support:after']);
    expect(to(off.id)).toEqual([]);
    expect(msgs.flatMap((m) => m.deliveries).every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);

    await startWorker();
    const due = msgs.filter((m) => m.scheduledAt.getTime() <= Date.now());
    const dueDeliveries = due.flatMap((m) => m.deliveries).length;
    expect(dueDeliveries).toBe(4 + 1 + 1); // generic: 2 transitions + 2 comms due now; slack: 1; support: 1
    await until('every due delivery to end delivered or failed', async () => {
      const n = await prisma().webhookDelivery.count({ where: { messageId: { in: due.map((m) => m.id) }, status: { in: ['delivered', 'failed'] } } });
      return n === dueDeliveries;
    });

    const after = await messagesOf(r.key);
    const delivery = (kind: string, hook: string) => after.find((m) => `${m.kind}:${m.phaseKey}:${m.audience ?? '-'}:${m.when ?? '-'}` === kind)!.deliveries.find((d) => d.webhookId === hook)!;
    // the flaky receiver: 500, 500, then 200 — three attempts logged, delivered
    const g = delivery('comms:beta:Engineering:before', flaky.id);
    expect(g).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
    expect(g.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(g.attemptLog[0].error).toBe('HTTP 500: receiver says no');
    // backoff: the retries came later than at once
    expect(g.attemptLog[1].at.getTime() - g.attemptLog[0].at.getTime()).toBeGreaterThanOrEqual(900);
    for (const k of ['transition:dual:-:-', 'transition:beta:-:-', 'comms:beta:Support:after']) {
      expect(delivery(k, flaky.id).attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    }
    // the dead receiver: failed after 1 + RETRIES attempts, with the last error; visible on the rollout
    const d = delivery('comms:beta:Support:after', down.id);
    expect(d).toMatchObject({ status: 'failed', attempts: RETRIES + 1, lastStatus: 500, lastError: 'HTTP 500: receiver says no' });
    expect(d.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    // the slack receiver answered at once
    expect(delivery('comms:beta:Engineering:before', slack.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    // the scheduled ones wait for their time
    expect(delivery('comms:beta:Engineering:after', flaky.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(delivery('comms:ga:Engineering:before', slack.id)).toMatchObject({ status: 'pending', attempts: 0 });

    // on the wire: slack gets {"text": …}; generic gets the signed event
    const slackBodies = received.filter((x) => x.path === '/flaky/0/slack').map((x) => JSON.parse(x.body) as unknown);
    expect(slackBodies).toEqual([{ text: "We're starting Beta of Marketplace V2 (2/3) — promote by Alice; gate ready: no criteria" }]);
    expect(received.filter((x) => x.path === '/flaky/0/slack').every((x) => x.signatureValid === null && x.headers['content-type'] === 'application/json')).toBe(true);
    const generic = received.filter((x) => x.path === '/flaky/2/all');
    expect(generic).toHaveLength(12);
    expect(generic.every((x) => x.signatureValid === true)).toBe(true);
    const ok = generic.find((x) => x.answered === 200 && x.headers['x-switchyard-delivery'] === g.id)!;
    expect(ok.headers['x-switchyard-event']).toBe('comms');
    expect(JSON.parse(ok.body)).toEqual({
      event: 'comms',
      rollout: { key: r.key, name: 'Marketplace V2' },
      phase: 'beta',
      audience: 'Engineering',
      when: 'before',
      message: "We're starting Beta of Marketplace V2 (2/3) — promote by Alice; gate ready: no criteria",
      at: enteredAt.toISOString(),
      deliveryId: g.id,
    });
    // a signature made with another secret does not verify (the check can fail)
    expect(verify('another-secret-0123456789', ok.headers, ok.body)).toBe(false);
    expect(verify(SECRET, ok.headers, ok.body.replace('Beta', 'Gamma'))).toBe(false);
    expect(received.filter((x) => x.path.includes('disabled'))).toEqual([]);
    expect(received.filter((x) => x.path === '/down/support')).toHaveLength(RETRIES + 1);

    // a re-run of a finished delivery sends nothing again
    const before = received.length;
    expect(await deliverMessage(g.id, { lastAttempt: false, timeoutMs: 5_000 })).toMatchObject({ status: 'delivered', attempt: null });
    expect(await deliverMessage(d.id, { lastAttempt: true, timeoutMs: 5_000 })).toMatchObject({ status: 'failed', attempt: null });
    expect(received.length).toBe(before);
    expect((await prisma().deliveryAttempt.count({ where: { deliveryId: g.id } }))).toBe(3);

    // the rollout's messages over REST carry the delivery log
    const route = await import('../../app/api/v1/rollouts/[key]/messages/route');
    const token = await tokenFor('viewer');
    const res = await route.GET(new Request(`http://localhost:3000/api/v1/rollouts/${r.key}/messages`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ key: r.key }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: { body: string; deliveries: { webhook: { name: string }; status: string; lastError: string | null; attemptLog: { statusCode: number }[] }[] }[] };
    const support = body.messages.find((m) => m.body.startsWith('Beta is live'))!;
    expect(support.deliveries.find((x) => x.webhook.name === down.name)).toMatchObject({ status: 'failed', lastError: 'HTTP 500: receiver says no' });
    expect(support.deliveries.find((x) => x.webhook.name === down.name)!.attemptLog.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(JSON.stringify(body)).not.toContain(SECRET);
  }, 120_000);

  it('a scheduled message whose phase entry is over is skipped with the reason, not sent', async () => {
    const hook = await createWebhook(ADMIN, { name: uniq('sched'), url: `${base}/flaky/0/sched`, format: 'slack', audiences: [], events: ['comms'] });
    const r = await createRollout(ENGINEER, commsPlan(), { requestId: 'comms' });
    const s = await transitionRollout(ALICE, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'go' });
    const p = await transitionRollout(ALICE, { key: r.key, action: 'promote', expectedVersion: s.version, reason: 'go on' });
    await transitionRollout(ALICE, { key: r.key, action: 'rollback', expectedVersion: p.version, reason: 'beta hurts' });
    const scheduled = (await messagesOf(r.key)).filter((m) => m.scheduledAt.getTime() > m.createdAt.getTime() + 1000);
    // due 30 min and 2 h after the promote
    expect(scheduled.map((m) => m.body)).toEqual([expect.stringMatching(/^GA of Marketplace V2 is planned for /), 'Beta: two hours in']);
    // three hours pass: the "two hours in" and the GA notice fall due
    await prisma().message.updateMany({ where: { id: { in: scheduled.map((m) => m.id) } }, data: { createdAt: ago(3 * 3600_000), scheduledAt: ago(1000) } });
    const ids = scheduled.flatMap((m) => m.deliveries.filter((d) => d.webhookId === hook.id).map((d) => d.id));
    expect(ids).toHaveLength(2);
    await startWorker();
    await until('the scheduled deliveries to be skipped', async () => (await prisma().webhookDelivery.count({ where: { id: { in: ids }, status: 'skipped' } })) === 2);
    const skipped = await prisma().webhookDelivery.findMany({ where: { id: { in: ids } } });
    expect(skipped.map((x) => x.attempts)).toEqual([0, 0]);
    expect(skipped.map((x) => x.lastError).sort()).toEqual([
      'not sent: the rollout is rolled back (the message was scheduled in phase "beta")',
      'not sent: the rollout is rolled back (the message was scheduled in phase "beta")',
    ]);
    // only the messages due at the transitions went out
    expect(received.filter((x) => x.path === '/flaky/0/sched').map((x) => (JSON.parse(x.body) as { text: string }).text).sort()).toEqual([
      expect.stringMatching(/^Beta is live for marketplace-v2-/),
      "We're starting Beta of Marketplace V2 (2/3) — promote by Alice; gate ready: no criteria",
    ]);
  }, 60_000);

  it('a transition refused as not ready (409) writes no message and no delivery', async () => {
    await createWebhook(ADMIN, { name: uniq('refused'), url: `${base}/flaky/0/refused`, format: 'slack', audiences: [], events: [] });
    const r = await createRollout(ENGINEER, commsPlan({ betaChecklist: true }), { requestId: 'comms' });
    const s = await transitionRollout(ALICE, { key: r.key, action: 'start', expectedVersion: r.version, reason: 'go' });
    const before = { messages: await prisma().message.count(), deliveries: await prisma().webhookDelivery.count() };
    const err = await transitionRollout(ALICE, { key: r.key, action: 'promote', expectedVersion: s.version, reason: 'too early' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'conflict', extra: { reasonCode: 'not_ready' } });
    expect({ messages: await prisma().message.count(), deliveries: await prisma().webhookDelivery.count() }).toEqual(before);
    expect((await messagesOf(r.key)).map((m) => m.kind)).toEqual(['transition']);
  });

  it('a red flag that notifies writes a red_flag message for the webhooks subscribed to it', async () => {
    const hook = await createWebhook(ADMIN, { name: uniq('redflags'), url: `${base}/flaky/0/redflags`, format: 'generic', secret: SECRET, audiences: ['Engineering'], events: ['red_flag'] });
    const notify = { when: { kind: 'metric', metric: 'error_rate', arm: 'candidate', op: '>', value: 5, window: '15m' }, severity: 'warning', action: 'notify', after: 1, interval: '1m' };
    const r = await startedRollout({ redFlags: [notify] });
    const engineer = await tokenFor('engineer');
    expect((await push('metrics', r.key, engineer, { samples: [{ metric: 'error_rate', arm: 'candidate', value: 7.2, at: ago(5 * 60_000).toISOString(), count: 50 }] })).status).toBe(201);
    await evaluateRollout(r.id, ago(60_000));
    const msgs = await messagesOf(r.key);
    const red = msgs.filter((m) => m.kind === 'red_flag');
    const { name } = await prisma().rollout.findUniqueOrThrow({ where: { key: r.key }, select: { name: true } });
    expect(red.map((m) => m.body)).toEqual([`${name}: red flag (warning, notify): error_rate candidate 7.2 % > 5 % for 1 evaluation`]);
    const trip = await prisma().auditEvent.findFirstOrThrow({ where: { rolloutId: r.id, action: 'red_flag' } });
    expect(red[0].auditEventId).toBe(trip.id);
    // the audience filter is for comms; the event filter keeps transition messages away
    expect(red[0].deliveries.map((d) => d.webhookId)).toEqual([hook.id]);
    expect(msgs.filter((m) => m.kind === 'transition').flatMap((m) => m.deliveries)).toEqual([]);
  });
});
