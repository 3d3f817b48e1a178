// Fuzzing the flag server (issue 7, "Fuzzing as a test"): hostile OFREP requests over real HTTP
// to an in-process server — invalid JSON, huge bodies, deep and non-object contexts,
// targetingKeys of the wrong type, NULs in keys, odd headers, bad paths and wrong methods.
// Every request: never a 5xx; a 400 says what is wrong with the body or context; and the server
// still answers a valid request afterwards.
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlagServer } from '../../lib/flag-server/server';
import { act, createServingRollout, ensureFlagEnvironments, flagsToken, startTestFlagServer } from '../factories/flags';
import { setupTestDatabase } from '../helpers/db';
import { FUZZ_SEED, FuzzTally, fuzzOptions, hostileString, hostileValue, nested, toJsonText } from '../helpers/fuzz-kit';

const tally = new FuzzTally('flag server');
let server: FlagServer;
let token = '';
let keys: Awaited<ReturnType<typeof createServingRollout>>['keys'];
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  const db = await setupTestDatabase();
  await ensureFlagEnvironments();
  let rolloutKey: string;
  ({ keys, rolloutKey } = await createServingRollout());
  await act(rolloutKey, 'start');
  await act(rolloutKey, 'promote'); // rule sets: the context is really evaluated
  token = await flagsToken('production');
  server = await startTestFlagServer(db.url);
  await server.store.waitReady();
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await server?.close();
  console.log(tally.summary());
});

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/** node's http.request: sends what fetch would refuse (odd methods, raw paths, lying lengths) */
function send(r: RawRequest): Promise<{ status: number; text: string; headers?: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    // framed with a Content-Length always: node sends a GET/HEAD/DELETE body unframed otherwise,
    // and the server would rightly read it as the start of the next request
    const headers = r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method: r.method, path: r.path, headers, agent, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // the server may close a connection after a 413 before we finished writing: still answered
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ status: 0, text: e.code });
      else reject(e);
    });
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

const EVALUATE = '/ofrep/v1/evaluate/flags';

const contextValue = fc.oneof(
  hostileValue,
  fc.record({ targetingKey: hostileValue }),
  fc.dictionary(fc.oneof(hostileString, fc.constantFrom('targetingKey', 'plan', 'region', '__proto__', 'a.b')), hostileValue, { maxKeys: 5 }),
  fc.integer({ min: 33, max: 20_000 }).map((d) => ({ targetingKey: 'u1', deep: nested(d, 'object') })),
  fc.constantFrom({ targetingKey: 'andy@hotmatch.com' }, { plan: 'enterprise', region: 'eu' }, {}),
);

const body: fc.Arbitrary<{ text: string | Buffer; what: string }> = fc.oneof(
  contextValue.map((c) => ({ text: toJsonText({ context: c }), what: 'context' })),
  hostileValue.map((v) => ({ text: toJsonText(v), what: 'body' })),
  fc.constantFrom('', ' ', '{', '{"context":', 'null', '[]', '"x"', '{"context":[]}', '{"context":"x"}', '{"context":{"targetingKey":1}}', '\u0000', '{"context":{"targetingKey":"\\u0000"}}').map((text) => ({ text, what: 'literal' })),
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ text: Buffer.from(b), what: 'bytes' })),
  fc.integer({ min: 60 * 1024, max: 200 * 1024 }).map((n) => ({ text: `{"context":{"targetingKey":"${'x'.repeat(n)}"}}`, what: 'large' })),
);

const flagPath = fc.oneof(
  fc.constantFrom('ENGINE', 'BETA', 'LIMITS', 'PARALLEL').map((k) => `${EVALUATE}/${encodeURIComponent(keys[k.toLowerCase() as keyof typeof keys])}`),
  // percent-encoded UTF-8 (a lone surrogate becomes U+FFFD's bytes; raw bad bytes are below)
  hostileString.filter((s) => s.length < 3000).map((s) => `${EVALUATE}/${[...Buffer.from(s, 'utf8')].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')}`),
  fc.constantFrom('%', '%ZZ', '%00', '%ED%A0%80', '..%2F..%2Fetc', '', '/', 'a/b', '?x=1', '#frag').map((s) => `${EVALUATE}/${s}`),
  fc.constant(EVALUATE),
);

const otherPath = fc.constantFrom(
  '/',
  '/ofrep',
  '/ofrep/v1/evaluate',
  '/ofrep/v1/evaluate/flagsX',
  '/ofrep/v1/events?environment=%00',
  '/ofrep/v1/configuration',
  '/api/v1/environments/%ZZ/flags.env',
  '/api/v1/environments/production/flags.json',
  '/api/v1/environments/%00/flags.env',
  '/healthz',
  '/readyz',
  '//ofrep/v1/evaluate/flags',
  `${EVALUATE}?${'a'.repeat(5000)}`,
);

const headerSet = fc.record(
  {
    auth: fc.oneof(
      { weight: 6, arbitrary: fc.constant('good') },
      { weight: 1, arbitrary: fc.constant('x-api-key') },
      { weight: 2, arbitrary: fc.constantFrom('none', 'Bearer', 'Bearer ', 'Basic abc', `Bearer ${'x'.repeat(600)}`, 'Bearer a b', 'bearer sy_unknown') },
    ),
    type: fc.constantFrom('application/json', 'text/plain', '', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'none'),
    extra: fc.dictionary(fc.constantFrom('if-none-match', 'host', 'x-forwarded-proto', 'accept', 'last-event-id', 'x-request-id', 'content-encoding'), fc.constantFrom('*', 'W/"x"', '"', '', 'gzip', 'https', '[::1]:99999', 'a'.repeat(300), 'ünïcode'), { maxKeys: 3 }),
  },
  { requiredKeys: ['auth', 'type', 'extra'] },
);

function headersOf(h: { auth: string; type: string; extra: Record<string, string> }): Record<string, string> {
  const out: Record<string, string> = {};
  if (h.auth === 'good') out.authorization = `Bearer ${token}`;
  else if (h.auth === 'x-api-key') out['x-api-key'] = token;
  else if (h.auth !== 'none') out.authorization = h.auth;
  if (h.type !== 'none') out['content-type'] = h.type;
  for (const [k, v] of Object.entries(h.extra)) out[k] = Buffer.from(v, 'utf8').toString('latin1');
  return out;
}

/** an OFREP error body names what was wrong: the body, the context, the targetingKey or the flag key */
function namesProblem(status: number, text: string): boolean {
  if (status !== 400) return true;
  try {
    const b = JSON.parse(text) as { errorCode?: string; errorDetails?: string };
    return typeof b.errorCode === 'string' && typeof b.errorDetails === 'string' && /body|context|targetingKey|flag key|JSON/.test(b.errorDetails);
  } catch {
    return false;
  }
}

async function stillServes() {
  const r = await send({ method: 'POST', path: `${EVALUATE}/${keys.beta}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"context":{"targetingKey":"andy@hotmatch.com"}}' });
  expect(r.status, r.text).toBe(200);
  expect(JSON.parse(r.text)).toMatchObject({ value: true, reason: 'TARGETING_MATCH' });
}

/** `framing`: node's HTTP parser itself refuses a malformed request (an empty 400): nothing to name */
function check(r: { status: number; text: string; headers?: http.IncomingHttpHeaders }, input: () => string, framing = false) {
  tally.inputs++;
  tally.refused += r.status >= 400 ? 1 : 0;
  tally.accepted += r.status < 400 ? 1 : 0;
  if (r.status >= 500) {
    tally.serverErrors++;
    expect.fail(`5xx from the flag server: ${r.status} ${r.text.slice(0, 300)}\ninput: ${input().slice(0, 500)}`);
  }
  if (!framing && !namesProblem(r.status, r.text)) expect.fail(`a 400 that does not say what is wrong: ${r.text.slice(0, 300)} ${JSON.stringify(r.headers)}\ninput: ${input().slice(0, 500)}`);
}

describe('fuzz: the flag server', () => {
  it('hostile OFREP evaluation requests (single and bulk): no 5xx, a 400 says what is wrong', async () => {
    await fc.assert(
      fc.asyncProperty(flagPath, body, headerSet, fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), async (path, b, h, method) => {
        const headers = headersOf(h);
        const r = await send({ method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : b.text });
        check(r, () => `${method} ${path} ${JSON.stringify(headers)} ${b.what}: ${String(b.text).slice(0, 300)}`);
      }),
      fuzzOptions(4_000),
    );
    await stillServes();
  }, 120_000);

  it('other paths, methods and lying Content-Lengths: no 5xx, and the server still answers afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(otherPath, headerSet, fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE'), fc.option(fc.string({ maxLength: 50 })), async (path, h, method, b) => {
        const headers = headersOf(h);
        const r = await send({ method, path, headers, body: b ?? undefined });
        check(r, () => `${method} ${path} ${JSON.stringify(headers)}`);
      }),
      fuzzOptions(1_000),
    );
    // a Content-Length larger than the body, and one over the limit, on fresh connections
    for (const [len, bodyText] of [['10', '{}'], [String(10 * 1024 * 1024), '{}'], ['abc', '{}'], ['-1', '{}']] as const) {
      const r = await new Promise<{ status: number; text: string }>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: EVALUATE, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': len }, timeout: 2_000 }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: '' }));
        });
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve({ status: 0, text: 'connection closed' }));
        req.write(bodyText);
        if (len !== '10') req.end();
        else setTimeout(() => req.destroy(), 300); // never sends the rest: the server must not wait forever on our account
      });
      check(r, () => `content-length ${len}`, true);
    }
    await stillServes();
    expect(FUZZ_SEED).toBeTypeOf('number');
  }, 120_000);
});
