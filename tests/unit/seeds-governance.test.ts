// The governance of the five seed plans (issue 9, "Seeds"): what each runbook asks of its gates
// and its messages is in the plan as data, in the runbook's words, and drives readiness the way
// the runbook reads. The expected items below are copied from the runbooks (shared/seeds/*.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../../lib/domain/duration';
import { validatePlan, type TPlan } from '../../lib/domain/plan';
import { computeReadiness, type GatePhase, type ReadinessInput, type StandingSignoff } from '../../lib/domain/readiness';

const PLANS_DIR = new URL('../../prisma/plans/', import.meta.url);
const SEEDS = ['assignment-pipeline-v3', 'deal-type-awareness', 'market-scan-v2', 'marketplace-v2', 'matching-engine-v1'];
const SIGNOFF_SHEET = ['Technical Lead', 'Product Owner', 'DevOps Lead', 'Security Lead', 'Engineering Manager'];
const D = 86400;

function loadPlan(key: string): { plan: TPlan; minDurations: number[] } {
  const r = validatePlan(parseYaml(readFileSync(new URL(`${key}.yaml`, PLANS_DIR), 'utf8')));
  if (!r.ok) throw new Error(`${key}: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r;
}
const phase = (plan: TPlan, key: string) => {
  const p = plan.phases.find((x) => x.key === key);
  if (!p) throw new Error(`no phase ${key} in ${plan.key}`);
  return p;
};
const texts = (plan: TPlan, key: string) => (phase(plan, key).checklist ?? []).map((i) => i.text);

/** readiness of a seed as the promote guard sees it (the plan's gates, no ticks or sign-offs unless given) */
function readinessOf(key: string, over: Partial<ReadinessInput>) {
  const { plan, minDurations } = loadPlan(key);
  const phases: GatePhase[] = plan.phases.map((p, i) => ({ key: p.key, name: p.name, minDurationSeconds: minDurations[i], checklist: p.checklist, signoffs: p.signoffs }));
  const now = new Date('2026-06-01T12:00:00Z');
  return computeReadiness({ status: 'draft', currentPhaseIndex: null, phaseEnteredAt: null, phases, now, checklist: {}, signoffs: {}, ...over });
}
const approve = (userId: string, role: string): StandingSignoff => ({ role, userId, userName: userId, decision: 'approve', comment: '', at: '2026-06-01T00:00:00Z', holdsRole: true });

describe('seed governance: the runbooks as data', () => {
  it('every checklist item is required unless said otherwise, and no gate allows self-approval', () => {
    for (const key of SEEDS) {
      for (const p of loadPlan(key).plan.phases) {
        for (const item of p.checklist ?? []) expect(item.required, `${key}/${p.key}/${item.key}`).toBe(true);
        if (p.signoffs) expect(p.signoffs.allowSelfApproval, `${key}/${p.key}`).toBe(false);
      }
    }
  });

  it('market-scan-v2 (seed 000): "Before Enabling Dual Mode" guards the start, "Before Enabling V2-Only" and "Before Making V2 Default" the later phases', () => {
    const { plan } = loadPlan('market-scan-v2');
    expect(texts(plan, 'dual')).toEqual(['worker_v2.py tested locally', 'Validation script passed (5/5 sites)', 'Documentation reviewed', 'Team notified of dual mode start', 'Rollback procedure confirmed']);
    expect(texts(plan, 'v2-only')).toEqual(['Dual mode ran for 24+ hours', 'No compatibility warnings', 'Performance metrics acceptable', 'Frontend tested with V2 responses', 'Stakeholders informed']);
    expect(texts(plan, 'v2-default')).toEqual(['V2-only ran for 72+ hours', 'No user complaints', 'Error rate within target', 'New features working as expected', 'Team trained on V2 features']);

    const start = readinessOf('market-scan-v2', {});
    expect(start).toMatchObject({ action: 'start', ready: false, reasons: [{ kind: 'checklist', phase: 'dual', status: 'fail' }] });
    expect(start.reasons[0].detail).toMatch(/^0 of 5 required items ticked; open: worker_v2\.py tested locally; /);
    const ticks = Object.fromEntries((phase(plan, 'dual').checklist ?? []).map((i) => [i.key, { checked: true, by: 'Eve', at: '2026-06-01T00:00:00Z' }]));
    expect(readinessOf('market-scan-v2', { checklist: { dual: ticks } }).ready).toBe(true);
  });

  it('market-scan-v2 (seed 000): the communication plan — engineering before each phase, product before V2-only, support after V2-only is stable, users after V2 default — with the three message templates', () => {
    const { plan } = loadPlan('market-scan-v2');
    const who = (key: string) => (phase(plan, key).comms ?? []).map((c) => [c.audience, c.when]);
    expect(who('dual')).toEqual([['Engineering Team', 'before']]);
    expect(who('v2-only')).toEqual([['Engineering Team', 'before'], ['Product Team', 'before']]);
    expect(who('v2-default')).toEqual([['Engineering Team', 'before'], ['Support Team', 'before'], ['Users', 'after']]);
    const templates = (key: string) => (phase(plan, key).comms ?? []).map((c) => c.template.replace(/\s+/g, ' '));
    for (const t of templates('dual')) expect(t).toContain("We're testing an upgraded scanning engine alongside the current system. No user-facing changes expected. Monitoring for 24-48 hours");
    for (const t of templates('v2-only')) expect(t).toContain('Scanning engine upgraded to V2. New features include tech stack detection and SEO analysis. Please report any issues.');
    for (const t of templates('v2-default')) expect(t).toContain('V2 engine is now the default. Benefits: 20% faster scans, enhanced data. Rollback available if needed.');
    for (const c of plan.phases.flatMap((p) => p.comms ?? [])) expect(c.template).toMatch(/\{\{rollout\.name\}\}/);
  });

  it('marketplace-v2 (seed 001): the five-role sign-off sheet, 2 approvals, on the week 1, 3 and 5 go/no-go gates only', () => {
    const { plan } = loadPlan('marketplace-v2');
    const gates = plan.phases.filter((p) => p.signoffs).map((p) => [p.key, p.signoffs]);
    const rule = { roles: SIGNOFF_SHEET, required: 2, allowSelfApproval: false };
    expect(gates).toEqual([['opt-in-beta', rule], ['ab-test', rule], ['full-migration', rule]]);
    expect(plan.phases.some((p) => p.checklist?.length)).toBe(false);
  });

  it('marketplace-v2 (seed 001): the week 1 gate opens with two distinct people; one person holding two roles counts once, the promoter not at all', () => {
    const after3d = { status: 'active' as const, currentPhaseIndex: 0, phaseEnteredAt: new Date(Date.parse('2026-06-01T12:00:00Z') - 3 * D * 1000) };
    const gate = (signoffs: StandingSignoff[], actorUserId: string | null = 'eve') => readinessOf('marketplace-v2', { ...after3d, signoffs: { 'opt-in-beta': signoffs }, actorUserId });
    expect(gate([])).toMatchObject({ ready: false, to: { key: 'opt-in-beta' }, reasons: [{ kind: 'duration', status: 'pass' }, { kind: 'signoff', status: 'fail', approvals: 0, required: 2 }] });
    expect(gate([approve('andy', 'Technical Lead'), approve('andy', 'Product Owner')]).ready).toBe(false);
    expect(gate([approve('tina', 'Technical Lead'), approve('sam', 'Security Lead')], 'sam').ready).toBe(false);
    expect(gate([approve('andy', 'Technical Lead'), approve('sam', 'Security Lead')]).ready).toBe(true);
  });

  it('matching-engine-v1 (seed 002): the decision matrix, issue × phase → action, on every phase', () => {
    const { plan } = loadPlan('matching-engine-v1');
    const matrix = Object.fromEntries(plan.phases.map((p) => [p.key, Object.fromEntries((p.decisions ?? []).map((d) => [d.issue, d.action]))]));
    expect(matrix).toEqual({
      shadow: { 'High error rate': 'Fix offline', 'Slow performance': 'Optimize worker', 'Data corruption': 'Stop rollout', 'UX confusion': 'Fix documentation' },
      'dual-path': { 'High error rate': 'Disable for beta users', 'Slow performance': 'Disable for beta users', 'Data corruption': 'Stop rollout', 'UX confusion': 'Iterate design' },
      cutover: { 'High error rate': 'Rollback to legacy', 'Slow performance': 'Rollback to legacy', 'Data corruption': 'Rollback immediately', 'UX confusion': 'Improve messaging' },
      decommission: { 'High error rate': 'Fix live (no rollback)', 'Slow performance': 'Optimize live', 'Data corruption': 'Fix immediately', 'UX confusion': 'Iterate design' },
    });
    // decisions are reference, not gates: they never hold a step
    expect(readinessOf('matching-engine-v1', {})).toMatchObject({ action: 'start', ready: true, reasons: [] });
  });

  it('deal-type-awareness (seed 003): the D-7 … D+30 schedule on the UI rollout, power users first, then all users', () => {
    const { plan } = loadPlan('deal-type-awareness');
    expect(plan.phases.filter((p) => p.comms?.length).map((p) => p.key)).toEqual(['ui-rollout']);
    const schedule = (phase(plan, 'ui-rollout').comms ?? []).map((c) => {
      const days = c.offset === undefined ? 0 : parseDuration(c.offset)! / D;
      return [c.when === 'before' ? -days : days, c.audience];
    });
    expect(schedule).toEqual([
      [-7, 'Power users'],
      [0, 'All users'],
      [0, 'All users (in-app notification)'],
      [30, 'All users'],
    ]);
    const d30 = phase(plan, 'ui-rollout').comms!.at(-1)!;
    expect(d30.template).toMatch(/success metrics/);
  });

  it('assignment-pipeline-v3 (seed 004): the prerequisites guard production shadow, the pre-flight checklist guards full mode, the scale-up conditions each concurrency step', () => {
    const { plan } = loadPlan('assignment-pipeline-v3');
    expect(texts(plan, 'staging-soak')).toEqual([]);
    expect(texts(plan, 'production-shadow')).toEqual([
      'Staging metrics meet thresholds: success rate ≥97% for 48 hours',
      'Staging metrics meet thresholds: manual review rate <1%',
      'Staging metrics meet thresholds: no sustained errors or circuit breaker trips',
      'Rollback plan is ready and tested',
      'Rollout scheduled during a staffed window with engineering support available',
    ]);
    expect(texts(plan, 'production-full')).toEqual([
      'Staging has been stable for 48+ hours',
      'Production shadow mode is healthy (24+ hours)',
      'Engineering team is available for monitoring',
      'Rollback plan is documented and ready',
      'Database monitoring is active',
      'Alert channels are configured',
    ]);
    expect(texts(plan, 'concurrency-4')).toEqual(['48+ hours of stable operation with success rate ≥97%']);
    expect(texts(plan, 'concurrency-5')).toEqual(['Monitored for 6+ hours at concurrency 4 before this increase']);

    // after the 24h shadow, full mode still waits for its six items
    const shadowDone = readinessOf('assignment-pipeline-v3', { status: 'active', currentPhaseIndex: 1, phaseEnteredAt: new Date(Date.parse('2026-06-01T12:00:00Z') - D * 1000) });
    expect(shadowDone.reasons.map((r) => [r.kind, r.phase, r.status])).toEqual([
      ['duration', 'production-shadow', 'pass'],
      ['checklist', 'production-full', 'fail'],
    ]);
    expect(shadowDone.reasons[1].detail).toMatch(/^0 of 6 required items ticked/);
  });
});
