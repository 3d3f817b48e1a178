// Bootstrap and demo data. Idempotent: safe to run on every start (scripts/run.mjs does).
//  - environments `staging` and `production` if there are none
//  - SWITCHYARD_ADMIN_TOKEN, if set, registered as an admin token (stored hashed)
//  - SWITCHYARD_ADMIN_EMAIL + SWITCHYARD_ADMIN_PASSWORD, if set, a first admin user (created once;
//    an existing user of that email is left as it is)
//  - unless SWITCHYARD_SEED_DEMO=0: demo users for each role, the stakeholders who sign seed
//    001's gates, and the demo rollouts from prisma/plans/*.yaml (created once; never
//    overwritten). A demo user seeded before sign-off roles existed gets its roles (audited).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SYSTEM_ACTOR } from '../lib/auth/actor';
import { hashPassword } from '../lib/auth/password';
import { hashToken, tokenPrefix } from '../lib/auth/tokens';
import { prisma } from '../lib/db';
import { env } from '../lib/env';
import { AppError } from '../lib/errors';
import { createRollout } from '../lib/services/create-rollout';
import { updateUser } from '../lib/services/update-user';
import { transitionRollout } from '../lib/services/transition-rollout';

export const DEMO_PASSWORD = 'switchyard';
export interface DemoUser {
  email: string;
  name: string;
  role: 'admin' | 'engineer' | 'approver' | 'viewer';
  /** sign-off roles: seed 001's stakeholder sheet, so a newcomer can sign as each */
  signoffRoles: string[];
}
export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'admin@switchyard.local', name: 'Ada Admin', role: 'admin', signoffRoles: [] },
  { email: 'engineer@switchyard.local', name: 'Eve Engineer', role: 'engineer', signoffRoles: [] },
  // two roles, one person: on a gate they count once (four eyes needs someone else too)
  { email: 'approver@switchyard.local', name: 'Andy Approver', role: 'approver', signoffRoles: ['Technical Lead', 'Product Owner'] },
  { email: 'viewer@switchyard.local', name: 'Val Viewer', role: 'viewer', signoffRoles: [] },
  { email: 'tina.tech@switchyard.local', name: 'Tina Tech', role: 'approver', signoffRoles: ['Technical Lead'] },
  { email: 'pat.product@switchyard.local', name: 'Pat Product', role: 'approver', signoffRoles: ['Product Owner'] },
  { email: 'dev.ops@switchyard.local', name: 'Devon Ops', role: 'approver', signoffRoles: ['DevOps Lead'] },
  { email: 'sam.security@switchyard.local', name: 'Sam Security', role: 'approver', signoffRoles: ['Security Lead'] },
  { email: 'emma.manager@switchyard.local', name: 'Emma Manager', role: 'approver', signoffRoles: ['Engineering Manager'] },
];

const PLANS_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'plans');

export async function seed({ demo = env().SWITCHYARD_SEED_DEMO === '1', log = console.log } = {}) {
  const db = prisma();
  if ((await db.environment.count()) === 0) {
    await db.environment.createMany({
      data: [
        { key: 'staging', name: 'Staging', sortOrder: 0 },
        { key: 'production', name: 'Production', sortOrder: 1 },
      ],
      skipDuplicates: true,
    });
    log('[seed] environments: staging, production');
  }

  const { SWITCHYARD_ADMIN_TOKEN: bootstrap, SWITCHYARD_ADMIN_EMAIL: adminEmail, SWITCHYARD_ADMIN_PASSWORD: adminPassword } = env();
  if (adminEmail && adminPassword) {
    const email = adminEmail.trim().toLowerCase();
    if (!(await db.user.findUnique({ where: { email } }))) {
      await db.user.create({ data: { email, name: 'Administrator', role: 'admin', passwordHash: await hashPassword(adminPassword) } });
      log(`[seed] admin user ${email} created (SWITCHYARD_ADMIN_EMAIL)`);
    }
  }

  if (bootstrap) {
    const tokenHash = hashToken(bootstrap);
    await db.apiToken.upsert({
      where: { tokenHash },
      create: { name: 'bootstrap admin (SWITCHYARD_ADMIN_TOKEN)', role: 'admin', tokenHash, prefix: tokenPrefix(bootstrap) },
      update: { revokedAt: null, role: 'admin', prefix: tokenPrefix(bootstrap) },
    });
    log('[seed] SWITCHYARD_ADMIN_TOKEN registered as an admin API token');
  }

  if (!demo) return;

  for (const u of DEMO_USERS) {
    const exists = await db.user.findUnique({ where: { email: u.email } });
    if (!exists) await db.user.create({ data: { ...u, passwordHash: await hashPassword(DEMO_PASSWORD) } });
    // seeded before sign-off roles existed: give the roles, through the service so the change is
    // audited like an admin's. A user who has roles is left as it is (an admin may have changed them).
    else if (u.signoffRoles.length && exists.signoffRoles.length === 0) {
      await updateUser(SYSTEM_ACTOR, exists.id, { signoffRoles: u.signoffRoles });
      log(`[seed] sign-off roles for ${u.email}: ${u.signoffRoles.join(', ')}`);
    }
  }

  const files = (existsSync(PLANS_DIR) ? readdirSync(PLANS_DIR) : []).filter((f) => /\.ya?ml$/.test(f)).sort();
  let created = 0;
  for (const f of files) {
    const doc = parseYaml(readFileSync(path.join(PLANS_DIR, f), 'utf8')) as { key?: string };
    if (doc?.key && (await db.rollout.findUnique({ where: { key: doc.key }, select: { id: true } }))) continue;
    try {
      await createRollout(SYSTEM_ACTOR, doc);
      created++;
    } catch (e) {
      if (e instanceof AppError) throw new Error(`prisma/plans/${f}: ${e.message}`);
      throw e;
    }
  }
  if (created) log(`[seed] demo rollouts created: ${created}`);

  // demo history: marketplace-v2 (seed 001) has been in week 1's pre-deployment for 4 days, so its
  // minimum (3 days) has passed and only the go/no-go sign-offs hold the way into the beta — a
  // newcomer can sign as two stakeholders and see the promote unblock.
  const mp = await db.rollout.findUnique({ where: { key: 'marketplace-v2' }, select: { status: true, version: true } });
  if (mp && mp.status === 'draft' && mp.version === 1) {
    await transitionRollout(SYSTEM_ACTOR, {
      key: 'marketplace-v2',
      action: 'start',
      expectedVersion: 1,
      reason: 'demo history: week 1 pre-deployment began 4 days ago',
      at: new Date(Date.now() - 4 * 24 * 3600 * 1000),
    });
    log('[seed] marketplace-v2 started 4 days ago (demo history): its week-1 go/no-go gate waits for 2 sign-offs');
  }
  log('[seed] demo sign-ins (password "' + DEMO_PASSWORD + '"): ' + DEMO_USERS.map((u) => `${u.email} (${[u.role, ...u.signoffRoles].join(', ')})`).join('; '));
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  seed().then(
    async () => {
      await prisma().$disconnect();
      process.exit(0);
    },
    (e) => {
      console.error(`[seed] failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
