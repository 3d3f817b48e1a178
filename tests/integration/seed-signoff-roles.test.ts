// The demo stakeholders of seed 001 (prisma/seed.ts) against a real Postgres: created with their
// sign-off roles and the demo password; a database seeded before sign-off roles existed gets them
// (audited), a user who already has roles is left alone; and two of them can carry the
// marketplace-v2 go/no-go gate while one person holding two roles counts once.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../lib/auth/actor';
import { hashPassword, verifyPassword } from '../../lib/auth/password';
import { prisma } from '../../lib/db';
import { getReadiness } from '../../lib/queries/readiness';
import { recordSignoff } from '../../lib/services/record-signoff';
import { transitionRollout } from '../../lib/services/transition-rollout';
import { DEMO_PASSWORD, DEMO_USERS, seed } from '../../prisma/seed';
import { setupTestDatabase } from '../helpers/db';

const SEED_001_ROLES = ['Technical Lead', 'Product Owner', 'DevOps Lead', 'Security Lead', 'Engineering Manager'];

beforeAll(async () => {
  await setupTestDatabase();
  // a database seeded before sign-off roles existed: the approver without roles, and a
  // stakeholder whose roles an admin has since changed
  await prisma().environment.createMany({ data: [{ key: 'staging', name: 'Staging', sortOrder: 0 }, { key: 'production', name: 'Production', sortOrder: 1 }] });
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await prisma().user.create({ data: { email: 'approver@switchyard.local', name: 'Andy Approver', role: 'approver', passwordHash } });
  await prisma().user.create({ data: { email: 'tina.tech@switchyard.local', name: 'Tina Tech', role: 'approver', signoffRoles: ['Security Lead'], passwordHash } });
  await seed({ demo: true, log: () => {} });
});

const byEmail = (email: string) => prisma().user.findUniqueOrThrow({ where: { email } });
const actorOf = async (email: string): Promise<Actor> => {
  const u = await byEmail(email);
  return { kind: 'user', id: u.id, name: u.name, role: u.role };
};

describe('demo stakeholders', () => {
  it('hold every seed 001 role between them, sign in with the demo password, and are approvers', async () => {
    const held = new Set(DEMO_USERS.flatMap((u) => u.signoffRoles));
    expect([...held].sort()).toEqual([...SEED_001_ROLES].sort());
    for (const role of SEED_001_ROLES) {
      // someone holds it alone, so a newcomer can sign as each role
      expect(DEMO_USERS.some((u) => u.signoffRoles.length === 1 && u.signoffRoles[0] === role), role).toBe(true);
    }
    for (const email of ['pat.product@switchyard.local', 'dev.ops@switchyard.local', 'sam.security@switchyard.local', 'emma.manager@switchyard.local']) {
      const u = await byEmail(email);
      expect(u.role, email).toBe('approver');
      expect(u.signoffRoles, email).toEqual(DEMO_USERS.find((d) => d.email === email)!.signoffRoles);
      expect(await verifyPassword(DEMO_PASSWORD, u.passwordHash ?? ""), email).toBe(true);
    }
  });

  it('an existing user without roles gets them, audited; one who has roles keeps them; a second run changes nothing', async () => {
    const approver = await byEmail('approver@switchyard.local');
    expect(approver.signoffRoles).toEqual(['Technical Lead', 'Product Owner']);
    const audit = await prisma().auditEvent.findMany({ where: { action: 'user.update' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorType: 'system', details: { email: 'approver@switchyard.local', changed: ['signoffRoles'], before: { signoffRoles: [] }, after: { signoffRoles: ['Technical Lead', 'Product Owner'] } } });
    expect((await byEmail('tina.tech@switchyard.local')).signoffRoles).toEqual(['Security Lead']);

    const users = await prisma().user.count();
    const events = await prisma().auditEvent.count();
    await seed({ demo: true, log: () => {} });
    expect(await prisma().user.count()).toBe(users);
    expect(await prisma().auditEvent.count()).toBe(events);
  });

  it('two stakeholders carry the marketplace-v2 week 1 gate; the approver with two roles counts once', async () => {
    const engineer = await actorOf('engineer@switchyard.local');
    // the demo history has started it (week 1, four days ago); start it where an older seed did not
    const started = await prisma().rollout.findUniqueOrThrow({ where: { key: 'marketplace-v2' } });
    if (started.status === 'draft') await transitionRollout(engineer, { key: 'marketplace-v2', action: 'start', expectedVersion: started.version, reason: 'week 1' });
    expect((await prisma().rollout.findUniqueOrThrow({ where: { key: 'marketplace-v2' } })).status).toBe('active');
    const gate = async () => (await getReadiness(engineer, 'marketplace-v2')).reasons.find((r) => r.kind === 'signoff');

    expect(await gate()).toMatchObject({ phase: 'opt-in-beta', status: 'fail', approvals: 0, required: 2, roles: SEED_001_ROLES });
    const andy = await actorOf('approver@switchyard.local');
    await recordSignoff(andy, { key: 'marketplace-v2', phase: 'opt-in-beta', role: 'Technical Lead', decision: 'approve', comment: 'go' });
    await recordSignoff(andy, { key: 'marketplace-v2', phase: 'opt-in-beta', role: 'Product Owner', decision: 'approve', comment: 'go' });
    expect(await gate()).toMatchObject({ status: 'fail', approvals: 1 });
    await recordSignoff(await actorOf('sam.security@switchyard.local'), { key: 'marketplace-v2', phase: 'opt-in-beta', role: 'Security Lead', decision: 'approve', comment: 'audit clean' });
    expect(await gate()).toMatchObject({ status: 'pass', approvals: 2 });
  });
});
