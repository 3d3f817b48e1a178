// Validates plan files without a database: `npx tsx scripts/check-plans.ts [file.yaml ...]`
// (default: every prisma/plans/*.yaml). Prints each plan's key, phase and flag counts and every
// problem by path; exits 1 if any plan has a problem.
//
// Besides validatePlan, it checks what createRollout would refuse when the demo plans are
// seeded together: a rollout key or flag key used by two plans (409), and an environment other
// than the two a fresh install creates (staging, production).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validatePlan, type PlanProblem } from '../lib/domain/plan';

const DEFAULT_ENVIRONMENTS = ['staging', 'production'];
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const plansDir = path.join(root, 'prisma', 'plans');

const args = process.argv.slice(2);
const files = args.length
  ? args.map((f) => path.resolve(f))
  : readdirSync(plansDir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => path.join(plansDir, f));

if (files.length === 0) {
  console.error(`no plan files found in ${path.relative(process.cwd(), plansDir) || '.'}`);
  process.exit(1);
}

const rolloutKeys = new Map<string, string>(); // rollout key → file
const flagKeys = new Map<string, string>(); // flag key → file
let failed = 0;

for (const file of files) {
  const name = path.relative(process.cwd(), file);
  const problems: PlanProblem[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push({ path: '(file)', message: e instanceof Error ? e.message.split('\n')[0] : String(e) });
  }

  let summary = '';
  if (problems.length === 0) {
    const result = validatePlan(doc);
    if (!result.ok) problems.push(...result.problems);
    else {
      const { plan } = result;
      summary = `${plan.key}: ${plan.phases.length} phase${plan.phases.length === 1 ? '' : 's'}, ${plan.flags.length} flag${plan.flags.length === 1 ? '' : 's'}`;
      const other = rolloutKeys.get(plan.key);
      if (other) problems.push({ path: 'key', message: `rollout key "${plan.key}" is also used by ${other}` });
      else rolloutKeys.set(plan.key, name);
      plan.flags.forEach((f, i) => {
        const o = flagKeys.get(f.key);
        if (o) problems.push({ path: `flags[${i}].key`, message: `flag key ${f.key} is also used by ${o}` });
        else flagKeys.set(f.key, name);
      });
      plan.phases.forEach((ph, i) =>
        (ph.environments ?? []).forEach((e, j) => {
          if (!DEFAULT_ENVIRONMENTS.includes(e)) {
            problems.push({ path: `phases[${i}].environments[${j}]`, message: `"${e}" is not a default environment (${DEFAULT_ENVIRONMENTS.join(', ')})` });
          }
        }),
      );
    }
  }

  if (problems.length === 0) {
    console.log(`ok   ${name}  ${summary}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${summary ? '  ' + summary : ''}  (${problems.length} problem${problems.length === 1 ? '' : 's'})`);
    for (const p of problems) console.log(`       ${p.path}: ${p.message}`);
  }
}

console.log(failed ? `\n${failed} of ${files.length} plans have problems` : `\nall ${files.length} plans are valid`);
process.exit(failed ? 1 : 0);
