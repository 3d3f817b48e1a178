// POST /api/session: sign in with email and password. The sign-in form posts here natively
// (application/x-www-form-urlencoded, before or without JavaScript: 303 back to the page) and
// with fetch (application/json: 200, or problem+json 401 / 429 with Retry-After). Either way the
// request must come from Switchyard's own origin (no login CSRF).
import { randomUUID } from 'node:crypto';
import { sessionCookie, setCookieHeader } from '@/lib/auth/issue-session';
import { AppError, badRequest, payloadTooLarge, unsupportedMediaType } from '@/lib/errors';
import { json, parseWith, problem } from '@/lib/http';
import { markLogged, recordSecurityEvent } from '@/lib/security/log';
import { assertTrustedOrigin } from '@/lib/security/origin';
import { requestInfoOf } from '@/lib/security/request-info';
import { signIn, ZSignInSchema } from '@/lib/services/sign-in';

const MAX_BODY = 8 * 1024;

function safePath(p: unknown): string {
  return typeof p === 'string' && p.startsWith('/') && !p.startsWith('//') && !p.includes('\\') ? p.slice(0, 1000) : '/rollouts';
}

export async function POST(req: Request): Promise<Response> {
  const requestId = randomUUID();
  const info = requestInfoOf(req);
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const isForm = type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
  let callbackUrl = '/rollouts';
  try {
    try {
      assertTrustedOrigin(req.headers.get('origin'), 'sign-in');
    } catch (e) {
      await recordSecurityEvent({ type: 'origin.refused', info, requestId, detail: (e as Error).message });
      throw markLogged(e);
    }
    if (Number(req.headers.get('content-length') ?? 0) > MAX_BODY) throw payloadTooLarge(`the sign-in body is over ${MAX_BODY} bytes`);
    let body: Record<string, unknown>;
    if (isForm) {
      const form = await req.formData();
      body = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === 'string'));
    } else if (type === 'application/json') {
      const text = await req.text();
      if (text.length > MAX_BODY) throw payloadTooLarge(`the sign-in body is over ${MAX_BODY} bytes`);
      try {
        body = JSON.parse(text);
      } catch {
        throw badRequest('the body is not valid JSON');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('send a JSON object { "email", "password" }');
    } else {
      throw unsupportedMediaType(`send the sign-in as application/json or a form (got ${type ? JSON.stringify(type) : 'no Content-Type'})`);
    }
    callbackUrl = safePath(body.callbackUrl);
    const input = parseWith(ZSignInSchema, { email: body.email, password: body.password });
    const s = await signIn(input, info, requestId);
    const cookie = setCookieHeader(await sessionCookie(s.user, s.sessionId));
    if (isForm) return new Response(null, { status: 303, headers: { location: callbackUrl, 'set-cookie': cookie, 'cache-control': 'no-store' } });
    return json({ ok: true, callbackUrl, user: { email: s.user.email, name: s.user.name } }, 200, { 'set-cookie': cookie });
  } catch (e) {
    if (isForm && e instanceof AppError) {
      const q = new URLSearchParams({ callbackUrl, error: e.code === 'too_many_requests' ? 'rate_limited' : e.code === 'unauthorized' ? 'invalid' : 'refused' });
      if (e.code === 'too_many_requests') q.set('retryAfter', e.headers['retry-after'] ?? '');
      // a native form post cannot show a 4xx body nicely: back to the form, which says why
      return new Response(null, { status: 303, headers: { location: `/signin?${q}`, 'cache-control': 'no-store', ...(e.code === 'too_many_requests' ? { 'retry-after': e.headers['retry-after'] ?? '' } : {}) } });
    }
    return problem(e, requestId);
  }
}
