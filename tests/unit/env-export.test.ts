// The `.env` export (EnvSnapshot.exportsFor) with hostile flag values, sourced by real shells:
// sourcing must never run anything, and every variable must read back exactly as configured.
// dotenv (installed with Prisma) reads the same bytes: it must never see a variable that is not
// a flag, and it reads back exactly everything docs/flag-serving.md says it does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnvSnapshot, envValue, etagOf, type FlagRow } from '../../lib/flag-server/snapshot';

// every `touch` below would create a file in the shell's working directory
const HOSTILE: unknown[] = [
  "it's $(touch pwned-issue)",
  '$(touch pwned-subst)',
  '`touch pwned-backtick`',
  "it's `touch pwned-backtick-quote`",
  '${HOME}',
  '$HOME and ${PATH:+x}',
  "it's ${HOME}",
  'a; touch pwned-semicolon',
  "a'; touch pwned-close-single; '",
  'a"; touch pwned-close-double; "',
  'a && touch pwned-and',
  'a || touch pwned-or',
  'a | touch pwned-pipe',
  'a > pwned-redirect',
  'first line\ntouch pwned-newline\nlast line',
  "it's\ntouch pwned-newline-quote\n$(touch pwned-newline-subst)",
  'trailing newline\n',
  '\n',
  'cr\rlf\r\nboth',
  "x'\nINJECTED_LF=1",
  "x'$\rINJECTED_CR=1",
  'x\nINJECTED_IN_QUOTES=1',
  'back\\slash \\n \\$(touch pwned-escaped)',
  'ends with a backslash\\',
  "ends with a backslash and a quote'\\",
  "\\'",
  "'\\''",
  "'",
  "''",
  '"',
  '!',
  '!! and !$',
  "it's !!",
  '*',
  '/*',
  '? [a-z] {a,b}',
  '~',
  '~/x',
  '-rf',
  '--',
  '-n',
  '#not a comment',
  'a #b',
  "it's #1",
  '',
  ' ',
  '  leading and trailing  ',
  'tab\there',
  'a=b',
  '%s %n %%',
  "$'\\x41'",
  "it's fine",
  'héllo — 日本語 🚀',
  "l'été à Zürich",
  { cmd: '$(touch pwned-json)', quote: "it's", nl: 'a\nb', tick: '`touch pwned-json-tick`' },
  { batch: 10, retries: [1, 5] },
  ["it's", '$(touch pwned-array)'],
  3,
  -1,
  1.5e300,
  true,
  false,
  null,
  'plain-value_1.2:3/4@5%6+7,8',
];

const name = (i: number) => `HOSTILE_${String(i).padStart(2, '0')}`;
const expected = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function exportOf(values: unknown[], revision = '7') {
  const rows: FlagRow[] = values.map((value, i) => ({
    key: name(i),
    type: typeof value === 'string' ? 'string' : 'json',
    variants: [],
    value,
    phaseKey: 'p1',
    rolloutKey: 'hostile',
    updatedAt: new Date('2026-11-24T09:14:03.120Z'),
  }));
  return new EnvSnapshot({ id: 'env-1', key: 'production', revision }, rows).exportsFor().env;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'env-export-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** sources ./flags.env in `shell` and prints every variable, NUL-separated (no value holds NUL) */
function source(shell: string[], names: string[]) {
  const script = `. ./flags.env && printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`;
  const r = spawnSync(shell[0], [...shell.slice(1), '-c', script], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: '/home/nobody', BASH_ENV: '', ENV: '' } });
  const printed = r.stdout.split('\0');
  printed.pop();
  return { status: r.status, stderr: r.stderr, values: Object.fromEntries(names.map((n, i) => [n, printed[i]])) };
}

describe('.env export sourced by a real shell', () => {
  const names = HOSTILE.map((_, i) => name(i));
  const want = Object.fromEntries(HOSTILE.map((v, i) => [name(i), expected(v)]));

  for (const shell of [['/bin/sh'], ['dash'], ['bash'], ['bash', '--posix']]) {
    it(`${shell.join(' ')}: runs nothing and reads back every value exactly`, () => {
      writeFileSync(path.join(dir, 'flags.env'), exportOf(HOSTILE).body);
      const r = source(shell, names);
      expect(readdirSync(dir)).toEqual(['flags.env']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.values).toEqual(want);
    });
  }

  it('each value alone, too (no value relies on its neighbours to stay quoted)', () => {
    HOSTILE.forEach((v, i) => {
      writeFileSync(path.join(dir, 'flags.env'), exportOf([v]).body);
      for (const shell of [['/bin/sh'], ['bash']]) {
        const r = source(shell, [name(0)]);
        expect({ value: v, shell, files: readdirSync(dir), stderr: r.stderr }).toEqual({ value: v, shell, files: ['flags.env'], stderr: '' });
        expect({ value: v, shell, read: r.values[name(0)] }).toEqual({ value: v, shell, read: expected(HOSTILE[i]) });
      }
    });
  });
});

describe('.env export read by dotenv', () => {
  // docs/flag-serving.md: dotenv reads a value exactly unless it holds a ' together with one of
  // " $ ` \ ! (or ends in \); and it turns CR and CRLF into LF, as it does for the whole file
  const dotenvExact = (s: string) => !s.endsWith('\\') && !(s.includes("'") && /["$`\\!]/.test(s));

  it('sees exactly the flags, never a variable smuggled in a value, and the documented values', () => {
    const parsed = parseDotenv(exportOf(HOSTILE).body);
    expect(Object.keys(parsed).sort()).toEqual(HOSTILE.map((_, i) => name(i)).sort());
    const exact = HOSTILE.map(expected).filter(dotenvExact);
    expect(exact.length).toBeGreaterThan(HOSTILE.length / 2);
    HOSTILE.forEach((v, i) => {
      const s = expected(v);
      if (dotenvExact(s)) expect({ value: s, read: parsed[name(i)] }).toEqual({ value: s, read: s.replace(/\r\n?/g, '\n') });
    });
  });
});

describe('envValue', () => {
  it('leaves plainly safe values bare and quotes everything else', () => {
    expect(envValue('dual')).toBe('dual');
    expect(envValue('https://x.example/a-b_c.d:8080,e@f%20+g')).toBe('https://x.example/a-b_c.d:8080,e@f%20+g');
    expect(envValue(42)).toBe('42');
    expect(envValue(false)).toBe('false');
    expect(envValue(null)).toBe('null');
    expect(envValue('')).toBe("''");
    expect(envValue('two words')).toBe("'two words'");
    expect(envValue('$(x)')).toBe("'$(x)'");
    expect(envValue({ batch: 100, retries: [] })).toBe(`'{"batch":100,"retries":[]}'`);
    expect(envValue("it's")).toBe(`"it's"`);
    expect(envValue("it's $(touch x)")).toBe(`'it'\\''s $(touch x)'`);
  });

  it('the export keeps a strong ETag over its exact bytes, the same for the same revision', () => {
    const a = exportOf(HOSTILE);
    expect(a.etag).toBe(etagOf(a.body));
    expect(exportOf(HOSTILE).etag).toBe(a.etag);
    expect(exportOf(HOSTILE, '8').etag).not.toBe(a.etag);
    expect(exportOf(["it's $(a)"]).etag).not.toBe(exportOf(["it's $(b)"]).etag);
  });
});
