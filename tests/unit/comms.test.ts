// Phase communications (issue 9), the pure part: which variables a template may use, how a
// template renders, when a message falls due, and a plan with a bad template refused by path.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  commsGate,
  describeDue,
  COMMS_VARIABLE_NAMES,
  commsVariables,
  dueAt,
  formatCommsDate,
  renderTemplate,
  templateProblems,
  type CommsContext,
} from '../../lib/domain/comms';
import { validatePlan } from '../../lib/domain/plan';

const H = 3600;
const D = 24 * H;
const at = (iso: string) => new Date(iso);

const context: CommsContext = {
  rollout: { key: 'market-scan-v2', name: 'Market scan V2', owner: 'Eve' },
  phases: [
    { key: 'dual', name: 'Dual mode', minDurationSeconds: 24 * H },
    { key: 'v2-only', name: 'V2 only', minDurationSeconds: 72 * H },
    { key: 'v2-default', name: 'V2 default', minDurationSeconds: null },
  ],
  phaseIndex: 1,
  enteredAt: at('2026-06-01T12:00:00Z'),
  rolloutEta: at('2026-06-10T09:30:00Z'),
  actor: 'Eve Engineer',
  action: 'promote',
  readiness: {
    ready: true,
    reasons: [
      { status: 'pass', detail: 'compatibility 98.2% ≥ 95% (612 samples)' },
      { status: 'fail', detail: 'error rate 6.1% > 5%' },
      { status: 'inconclusive', detail: 'latency: 12 of 500 samples' },
    ],
  },
  signoffs: { approved: 2, required: 2, names: ['Tom (Technical Lead)', 'Pat (Product Owner)'] },
};

describe('templateProblems', () => {
  it('accepts every known variable, with or without spaces inside the braces', () => {
    const all = COMMS_VARIABLE_NAMES.map((n) => `{{${n}}}`).join(' ');
    expect(templateProblems(all)).toEqual([]);
    expect(templateProblems('{{ rollout.name }} enters {{phase.name  }}')).toEqual([]);
    expect(templateProblems('no variables at all, and a lone } or { is text')).toEqual([]);
  });

  it('names an unknown variable, once however often it is used, and lists the known ones', () => {
    const problems = templateProblems('{{rollout.nmae}} and {{rollout.nmae}} and {{phase.name}}');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^unknown variable \{\{rollout\.nmae\}\} \(known: \{\{rollout\.name\}\}, /);
    expect(problems[0]).toContain('{{signoffs.names}}');
  });

  it('names an empty variable and braces that never close', () => {
    expect(templateProblems('Hello {{}}')).toEqual(['empty variable {{}}']);
    expect(templateProblems('Hello {{ }}')).toEqual(['empty variable {{}}']);
    expect(templateProblems('Starting {{phase.name')).toEqual(['"{{" without a matching "}}"']);
    // a closed one before an unclosed one: only the unclosed one is a problem
    expect(templateProblems('{{phase.name}} then {{rollout.name')).toEqual(['"{{" without a matching "}}"']);
  });
});

describe('renderTemplate and commsVariables', () => {
  it('fills every variable from the records', () => {
    const vars = commsVariables(context);
    expect(vars).toEqual({
      'rollout.name': 'Market scan V2',
      'rollout.key': 'market-scan-v2',
      'rollout.owner': 'Eve',
      'rollout.eta': '2026-06-10 09:30 UTC',
      'phase.name': 'V2 only',
      'phase.key': 'v2-only',
      'phase.number': '2',
      'phase.count': '3',
      'previousPhase.name': 'Dual mode',
      'nextPhase.name': 'V2 default',
      // entered + the phase's 72h minimum
      eta: '2026-06-04 12:00 UTC',
      actor: 'Eve Engineer',
      action: 'promote',
      'readiness.ready': 'ready',
      'readiness.summary': 'compatibility 98.2% ≥ 95% (612 samples); error rate 6.1% > 5%; latency: 12 of 500 samples',
      'readiness.passing': '1',
      'readiness.total': '3',
      'signoffs.approved': '2',
      'signoffs.required': '2',
      'signoffs.names': 'Tom (Technical Lead), Pat (Product Owner)',
    });
    // one value per known variable, no more, no less
    expect(Object.keys(vars).sort()).toEqual([...COMMS_VARIABLE_NAMES].sort());
  });

  it('renders a template with the values, spaces inside braces allowed', () => {
    const vars = commsVariables(context);
    expect(renderTemplate("We're starting {{ phase.name }} of {{rollout.name}} ({{phase.number}}/{{phase.count}}); next step no earlier than {{eta}}.", vars)).toBe(
      "We're starting V2 only of Market scan V2 (2/3); next step no earlier than 2026-06-04 12:00 UTC.",
    );
    expect(renderTemplate('{{readiness.passing}} of {{readiness.total}} passing; approved by {{signoffs.names}}', vars)).toBe(
      '1 of 3 passing; approved by Tom (Technical Lead), Pat (Product Owner)',
    );
  });

  it('leaves an unknown variable as written (plans are checked before anything renders)', () => {
    expect(renderTemplate('{{rollout.name}} / {{nope}}', { 'rollout.name': 'X' })).toBe('X / {{nope}}');
    // a value that itself looks like a placeholder is not expanded again
    expect(renderTemplate('{{rollout.name}}', { 'rollout.name': '{{phase.name}}', 'phase.name': 'P' })).toBe('{{phase.name}}');
  });

  it('the first and last phases, a phase not entered, no readiness and no sign-offs have clear fallbacks', () => {
    const first = commsVariables({ ...context, phaseIndex: 0, enteredAt: null, rolloutEta: null, actor: undefined, action: undefined, readiness: null, signoffs: null, rollout: { ...context.rollout, owner: '' } });
    expect(first).toMatchObject({
      'previousPhase.name': '—',
      'nextPhase.name': 'V2 only',
      eta: 'not scheduled',
      'rollout.eta': 'not scheduled',
      'rollout.owner': '—',
      actor: '—',
      action: '—',
      'readiness.ready': '—',
      'readiness.summary': 'no criteria',
      'readiness.total': '0',
      'signoffs.approved': '0',
      'signoffs.names': 'nobody',
    });
    const last = commsVariables({ ...context, phaseIndex: 2 });
    // no minimum duration: the next step is due as soon as the phase is entered
    expect(last).toMatchObject({ 'nextPhase.name': '—', 'previousPhase.name': 'V2 only', eta: '2026-06-01 12:00 UTC' });
    expect(commsVariables({ ...context, readiness: { ready: false, reasons: [] } })['readiness.ready']).toBe('not ready');
  });

  it('formats dates in UTC to the minute, and an invalid or missing date as not scheduled', () => {
    expect(formatCommsDate(at('2026-12-03T14:00:59.999Z'))).toBe('2026-12-03 14:00 UTC');
    expect(formatCommsDate(new Date(Number.NaN))).toBe('not scheduled');
    expect(formatCommsDate(null)).toBe('not scheduled');
  });
});

describe('dueAt', () => {
  const now = at('2026-06-01T12:00:00Z');

  it('without an offset, before and after are due at the transition', () => {
    expect(dueAt({ when: 'before', offsetSeconds: null }, { now, enteredAt: now })).toEqual(now);
    expect(dueAt({ when: 'after', offsetSeconds: 0 }, { now, enteredAt: now })).toEqual(now);
    // no entry given: now
    expect(dueAt({ when: 'before', offsetSeconds: null }, { now })).toEqual(now);
  });

  it('after with an offset is that long after the phase is entered (seed 003\'s D+30)', () => {
    expect(dueAt({ when: 'after', offsetSeconds: 30 * D }, { now, enteredAt: now })).toEqual(at('2026-07-01T12:00:00Z'));
    // not entered yet: nothing to schedule from
    expect(dueAt({ when: 'after', offsetSeconds: 30 * D }, { now, enteredAt: null })).toBeNull();
  });

  it('before with an offset is that long before the planned start (seed 003\'s D-7)', () => {
    const plannedStart = at('2026-06-15T12:00:00Z');
    expect(dueAt({ when: 'before', offsetSeconds: 7 * D }, { now, enteredAt: now, plannedStart })).toEqual(at('2026-06-08T12:00:00Z'));
    // no planned start (e.g. the previous phase has no minimum duration): not schedulable
    expect(dueAt({ when: 'before', offsetSeconds: 7 * D }, { now, plannedStart: null })).toBeNull();
  });

  it('is never earlier than now', () => {
    // D-7 of a start three days away has passed already: at once
    expect(dueAt({ when: 'before', offsetSeconds: 7 * D }, { now, plannedStart: at('2026-06-04T12:00:00Z') })).toEqual(now);
    // a phase entered 40 days ago, D+30: at once, not in the past
    expect(dueAt({ when: 'after', offsetSeconds: 30 * D }, { now, enteredAt: at('2026-04-22T12:00:00Z') })).toEqual(now);
    // without an offset, an entry in the past is due now
    expect(dueAt({ when: 'after', offsetSeconds: null }, { now, enteredAt: at('2026-05-01T00:00:00Z') })).toEqual(now);
    // a future entry stays in the future
    expect(dueAt({ when: 'before', offsetSeconds: null }, { now, enteredAt: at('2026-06-02T00:00:00Z') })).toEqual(at('2026-06-02T00:00:00Z'));
  });
});

describe('docs/plan-format.md', () => {
  it('its variables table lists exactly the variables a template may use', () => {
    const doc = readFileSync(new URL('../../docs/plan-format.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('**Template variables.**'), doc.indexOf('### `decisions[]`'));
    const documented = [...table.matchAll(/^\| `\{\{([^}]+)\}\}` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...COMMS_VARIABLE_NAMES].sort());
  });
});

describe('plans: comms templates are checked', () => {
  const plan = (comms: unknown[]) => ({
    key: 'comms',
    name: 'Comms',
    flags: [{ key: 'ENABLED', type: 'boolean', baseline: false }],
    phases: [
      { key: 'one', name: 'One', comms: [{ audience: 'Engineering', when: 'before', template: 'Starting {{phase.name}} of {{rollout.name}}' }] },
      { key: 'two', name: 'Two', comms },
    ],
  });

  it('refuses a template with an unknown variable or unclosed braces, by path', () => {
    const r = validatePlan(
      plan([
        { audience: 'Engineering', when: 'before', template: 'Fine: {{eta}}' },
        { audience: 'Users', when: 'after', template: 'Hello {{user.name}}' },
        { audience: 'Support', when: 'after', template: 'Broken {{phase.name', offset: '7d' },
      ]),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(['phases[1].comms[1].template', 'phases[1].comms[2].template']);
    expect(r.problems[0].message).toMatch(/^unknown variable \{\{user\.name\}\}/);
    expect(r.problems[1].message).toBe('"{{" without a matching "}}"');
  });

  it('checks templates in a plan that is structurally bad elsewhere too', () => {
    const r = validatePlan(plan([{ audience: 'Users', when: 'during', template: '{{}}' }]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'phases[1].comms[0].when' }),
        { path: 'phases[1].comms[0].template', message: 'empty variable {{}}' },
      ]),
    );
  });

  it('accepts a plan whose templates use known variables', () => {
    expect(validatePlan(plan([{ audience: 'Users', when: 'after', template: '{{rollout.name}} is at {{phase.name}}; {{readiness.summary}}', offset: '30d' }])).ok).toBe(true);
  });

  it('every seed plan in prisma/plans parses, and its templates render without a raw {{', () => {
    const files = readdirSync(new URL('../../prisma/plans/', import.meta.url)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    let templates = 0;
    for (const file of files) {
      const r = validatePlan(parseYaml(readFileSync(new URL(`../../prisma/plans/${file}`, import.meta.url), 'utf8')));
      expect(r.ok ? [] : r.problems, file).toEqual([]);
      if (!r.ok) continue;
      r.plan.phases.forEach((p, i) => {
        for (const c of p.comms ?? []) {
          templates++;
          const vars = commsVariables({
            rollout: { key: r.plan.key, name: r.plan.name, owner: 'Owner' },
            phases: r.plan.phases.map((ph, j) => ({ key: ph.key, name: ph.name, minDurationSeconds: r.minDurations[j] })),
            phaseIndex: i,
            enteredAt: at('2026-06-01T12:00:00Z'),
          });
          const text = renderTemplate(c.template, vars);
          expect(text, `${file} ${p.key}`).not.toContain('{{');
        }
      });
    }
    // the seeds do carry comms (seed 000's communication plan, seed 003's schedule)
    expect(templates).toBeGreaterThan(5);
  });
});

describe('commsGate and describeDue', () => {
  it('takes the gate numbers of the step into a phase: reasons, approvals, who counts', () => {
    const g = commsGate(
      {
        ready: false,
        reasons: [
          { kind: 'duration', phase: 'canary', status: 'pass', detail: 'held 2d of 1d' },
          { kind: 'signoff', phase: 'beta', status: 'fail', detail: '1 of 2 approvals', approvals: 1, required: 2, signoffs: [{ user: 'Tina', role: 'Technical Lead', counts: true }, { user: 'Eve', role: 'Product Owner', counts: false }] },
        ],
      },
      'beta',
    );
    expect(g).toEqual({
      readiness: { ready: false, reasons: [{ status: 'pass', detail: 'held 2d of 1d' }, { status: 'fail', detail: '1 of 2 approvals' }] },
      signoffs: { approved: 1, required: 2, names: ['Tina (Technical Lead)'] },
    });
    expect(commsGate({ ready: true, reasons: [] }, 'beta').signoffs).toBeNull();
  });

  it('says when a template falls due', () => {
    expect(describeDue({ when: 'before', offsetSeconds: null }, 'Beta')).toBe('at the transition into Beta');
    expect(describeDue({ when: 'after', offsetSeconds: null }, 'Beta')).toBe('at the transition into Beta, after the "before" messages');
    expect(describeDue({ when: 'before', offset: '7d', offsetSeconds: 604800 }, 'Beta')).toBe("7d before Beta's planned start");
    expect(describeDue({ when: 'after', offset: '30d', offsetSeconds: 2592000 }, 'Beta')).toBe('30d after Beta is entered');
  });
});
