// Input limits, defined once. The REST boundary (lib/http.ts), the plan schema
// (lib/domain/plan.ts) and the service input schemas read them from here; docs/api.md and
// docs/plan-format.md list them in a "Limits" table. Pure: no I/O, usable from lib/domain.
import { Lexer, Parser } from 'yaml';

export const LIMITS = {
  /** a request body, in bytes (1 MiB); larger is a 413 before it is read whole */
  bodyBytes: 1024 * 1024,
  /** nesting of arrays/objects in any JSON or YAML body, the top level counting as 1 */
  depth: 32,
  /** rollout, phase and environment keys (slugs) */
  keyLength: 64,
  /** flag keys (they become environment variable names in the .env export) */
  flagKeyLength: 128,
  /** names, owners, token names, variant names */
  nameLength: 200,
  /** descriptions of rollouts, flags and phases */
  descriptionLength: 10_000,
  /** the reason of a transition */
  reasonLength: 2_000,
  flagsPerPlan: 5_000,
  phasesPerPlan: 100,
  variantsPerFlag: 100,
  /** environment keys listed by one phase */
  environmentsPerPhase: 100,
  /** one flag value (baseline or a phase's value, rule sets included) as compact JSON, in bytes */
  valueBytes: 8 * 1024,
  /** the longest planned minimum duration of a phase: 365 days */
  durationSeconds: 365 * 24 * 3600,
  /** URL path params and query-string values */
  paramLength: 200,
  /** environment sortOrder: a Postgres int4 */
  sortOrderMin: -(2 ** 31),
  sortOrderMax: 2 ** 31 - 1,
} as const;

/** 1048576 → "1 MiB", 8192 → "8 KiB" */
export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/** "2,000" */
export const formatCount = (n: number) => n.toLocaleString('en-US');

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Why a string cannot be stored (Postgres text and jsonb refuse NUL, and lone UTF-16 surrogates
 * are not valid UTF-8), or null when it can.
 */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired surrogate (invalid Unicode)';
  return null;
}

export interface InputProblem {
  /** segments as zod writes them: property names and array indexes */
  path: (string | number)[];
  message: string;
}

/**
 * Walks a parsed body without recursion and reports the first problem found: nesting deeper
 * than LIMITS.depth, or a string or object key that cannot be stored (textProblem). Stopping at
 * the first keeps a hostile body from making the report itself large.
 */
export function findUnsafeInput(value: unknown, maxDepth: number = LIMITS.depth): InputProblem | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) return { path, message: p };
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    // path.length = the depth of v's children: the top-level value is depth 1
    if (path.length + 1 > maxDepth) return { path, message: `nested deeper than ${maxDepth} levels` };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i];
      const p = textProblem(k);
      if (p) return { path, message: `the key ${JSON.stringify(k)} ${p}` };
      stack.push({ v: child, path: [...path, k] });
    }
  }
  return null;
}

// yaml's Lexer marks a document start, a flow end and a scalar with these; they are not source text
const LEXER_CONTROL = new Set(['\u0002', '\u0018', '\u001f']);

/**
 * Past this, YAML is refused before it is composed. Well above LIMITS.depth, so a plan nested a
 * little too deep still gets the exact path from findUnsafeInput; well below what the composer's
 * recursion survives.
 */
export const YAML_GUARD_DEPTH = LIMITS.depth * 4;

type CstNode = { type?: string; offset?: number; value?: unknown; items?: { key?: unknown; value?: unknown }[] };

/**
 * Where YAML text first nests deeper than `maxDepth` collections (1-based line and column), or
 * null. Measured on yaml's concrete syntax tree, which its Parser builds without recursion, so
 * it runs before the composer, which recurses: text nested thousands deep ends its stack, and
 * when that happens inside V8's RegExp compiler the whole process dies ("RegExpCompiler
 * Allocation failed"), not just the request. Never deeper than the parsed value, so anything it
 * lets through is then checked by findUnsafeInput as JSON is.
 */
export function yamlNestingProblem(text: string, maxDepth: number = YAML_GUARD_DEPTH): { line: number; column: number } | null {
  const at = (offset: number) => {
    const before = text.slice(0, offset);
    return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
  };
  // flow collections first, on the lexer's tokens (fast, stops at once): `[[[[…` is the cheap attack
  let flow = 0;
  let offset = 0;
  for (const tok of new Lexer().lex(text)) {
    if (tok === '[' || tok === '{') {
      if (++flow > maxDepth) return at(offset);
    } else if (tok === ']' || tok === '}') flow--;
    // the lexer's control tokens (document start, scalar, flow end) are not source text
    if (!LEXER_CONTROL.has(tok)) offset += tok.length;
  }
  // then block collections (and both mixed), on the syntax tree
  for (const doc of new Parser().parse(text)) {
    const stack: { node: unknown; depth: number }[] = [{ node: doc, depth: 0 }];
    while (stack.length) {
      const { node, depth } = stack.pop()!;
      const n = node as CstNode | null;
      if (!n || typeof n !== 'object') continue;
      if (n.type === 'document') {
        stack.push({ node: n.value, depth });
        continue;
      }
      if (n.type !== 'block-map' && n.type !== 'block-seq' && n.type !== 'flow-collection') continue;
      if (depth + 1 > maxDepth) return at(n.offset ?? 0);
      for (const item of n.items ?? []) {
        stack.push({ node: item.key, depth: depth + 1 });
        stack.push({ node: item.value, depth: depth + 1 });
      }
    }
  }
  return null;
}
