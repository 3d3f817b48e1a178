// OpenAPI 3.1 description of the management REST API (/api/v1). Request schemas are derived
// from the same zod schemas the routes parse with; tests/integration/openapi.test.ts checks
// that every route file is described here (and nothing else), and that responses match.
import { z } from 'zod';
import { ACTIONS } from './domain/lifecycle';
import { planJsonSchema } from './domain/plan-json-schema';
import { ZCreateEnvironmentSchema } from './services/create-environment';
import { ZCreateTokenSchema } from './services/create-token';
import { ZCreateUserSchema } from './services/create-user';
import { ZUpdateUserSchema } from './services/update-user';
import { ZCreateWebhookSchema } from './services/create-webhook';
import { ZUpdateWebhookSchema } from './services/update-webhook';
import { ZTransitionSchema } from './services/transition-rollout';
import { ZTickChecklistSchema } from './services/tick-checklist-item';
import { ZRecordSignoffSchema } from './services/record-signoff';
import { ZSignInSchema } from './services/sign-in';
import { ZMetricSampleSchema } from './services/ingest-metrics';
import { ZComparisonResultSchema } from './services/ingest-comparisons';
import { SECURITY_EVENT_TYPES } from './security/log';

const js = (s: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return rest;
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
const ok = (description: string, ref: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const authErrors = {
  '401': problem('No token/session, or an unknown or revoked token'),
  '403': problem('The role may not do this'),
};
// every route that takes a body (lib/http.ts readBody; limits in lib/limits.ts)
const bodyErrors = {
  '413': problem('The body is larger than 1 MiB'),
  '415': problem('The body is not application/json (or application/yaml where accepted)'),
};
const userIdParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const keyParam = { name: 'key', in: 'path', required: true, schema: { type: 'string' }, description: 'rollout key (slug)' };
const phaseParam = { name: 'phase', in: 'path', required: true, schema: { type: 'string' }, description: 'phase key (slug)' };

export function openApiDocument(): Record<string, unknown> {
  const phaseRef = { type: ['object', 'null'], required: ['key', 'name', 'index'], properties: { key: { type: 'string' }, name: { type: 'string' }, index: { type: 'integer' } } };
  const summaryProps = {
    key: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    owner: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'active', 'paused', 'completed', 'rolled_back', 'aborted'] },
    version: { type: 'integer' },
    currentPhase: phaseRef,
    phaseCount: { type: 'integer' },
    phaseEnteredAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    lastEvent: { type: ['object', 'null'] },
  };
  const transitionOps = Object.fromEntries(
    ACTIONS.map((a) => [
      a,
      {
        summary: `${a[0].toUpperCase()}${a.slice(1)} the rollout`,
        description:
          a === 'rollback'
            ? 'Roll back to `"to": "baseline"` (default: every flag to its baseline, status rolled_back) or to an earlier phase key (status active).'
            : `Allowed from: see the transition table (lib/domain/lifecycle.ts).`,
      },
    ]),
  );

  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard management API',
      version: '1.0.0',
      description:
        'Rollouts, phases, flags and their audit trail. Authenticate with `Authorization: Bearer <token>` (tokens: POST /api/v1/tokens) or a signed-in session. Errors are application/problem+json. Flag evaluation for services is served by the flag server over OFREP (see docs/flag-serving.md), not by this API.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/api/health': {
        get: { summary: 'Liveness + database reachability', security: [], responses: { '200': { description: 'database reachable' }, '503': { description: 'database unreachable' } } },
      },
      '/api/v1/rollouts': {
        get: {
          summary: 'List rollouts',
          responses: { '200': { description: 'rollouts', content: { 'application/json': { schema: { type: 'object', required: ['rollouts'], properties: { rollouts: { type: 'array', items: { $ref: '#/components/schemas/RolloutSummary' } } } } } } }, ...authErrors },
        },
        post: {
          summary: 'Create a rollout from a plan (JSON, or YAML with Content-Type: application/yaml)',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '/api/v1/plan.schema.json' } }, 'application/yaml': { schema: { $ref: '/api/v1/plan.schema.json' } } },
          },
          responses: {
            '201': ok('created (status draft)', 'RolloutDetail'),
            '400': problem('The plan is invalid; `errors` lists every problem by path'),
            ...authErrors,
            '409': problem('The rollout key or a flag key is already taken, or a flag key has the .env name of another rollout\'s flag'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/rollouts/{key}': {
        get: { summary: 'A rollout with its phases, flags and allowed actions', parameters: [keyParam], responses: { '200': ok('the rollout', 'RolloutDetail'), ...authErrors, '404': problem('No such rollout') } },
      },
      '/api/v1/rollouts/{key}/{action}': {
        post: {
          summary: 'Transition a rollout: start | promote | pause | resume | rollback | abort',
          description: Object.entries(transitionOps).map(([a, o]) => `- **${a}**: ${o.description}`).join('\n'),
          parameters: [keyParam, { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: [...ACTIONS] } }],
          requestBody: { required: true, content: { 'application/json': { schema: js(ZTransitionSchema) } } },
          responses: {
            '200': ok('the rollout after the transition', 'RolloutDetail'),
            '400': problem('Bad body (missing reason/expectedVersion, unknown rollback target)'),
            ...authErrors,
            '404': problem('No such rollout or action'),
            '409': problem('Stale expectedVersion or a transition the table forbids; carries `currentVersion` and `currentStatus`'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/rollouts/{key}/plan': {
        get: {
          summary: 'The plan document the rollout runs now, to edit and PUT back',
          description: 'Header `ETag`: the rollout version (send it back as `If-Match`); `X-Plan-Version`: 1 at creation, +1 per edit.',
          parameters: [keyParam],
          responses: { '200': ok('the plan document', 'Plan'), ...authErrors, '404': problem('No such rollout') },
        },
        put: {
          summary: 'Replace the plan with a new version (JSON, or YAML with Content-Type: application/yaml)',
          description:
            'The whole plan document. The version being changed: `?expectedVersion=N` or `If-Match: "N"` (the ETag of GET; if both, they must agree). The rollout key and the flag keys (same keys, same order) cannot change, nor any phase up to the furthest one ever entered (the current phase, and any phase a transition entered — before a rollback too): 400 naming each path. Later phases, names, descriptions, owner, metrics and flag metadata may change. Each edit bumps the rollout version, is one `plan.edit` audit row with `fromPlanVersion`, `toPlanVersion`, `diff` ([{ path, before, after }]), `invalidatedSignoffs` and `resetTicks`; standing sign-offs of a gate whose checklist, sign-off rule, flag values or criteria changed (or that was removed) are invalidated with the reason, and checklist ticks whose item text changed (or whose item was removed) are taken back. Completed and aborted rollouts: 409.',
          parameters: [
            keyParam,
            { name: 'expectedVersion', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '/api/v1/plan.schema.json' } }, 'application/yaml': { schema: { $ref: '/api/v1/plan.schema.json' } } },
          },
          responses: {
            '200': { description: '{ rollout, fromPlanVersion, toPlanVersion, diff, invalidatedSignoffs, resetTicks }; ETag: the new version' },
            '400': problem('The plan is invalid, changes what cannot change, is unchanged, or no expectedVersion; `errors` lists every problem by path'),
            ...authErrors,
            '404': problem('No such rollout'),
            '409': problem('Stale expectedVersion (carries `currentVersion`), or the rollout is completed or aborted'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/rollouts/{key}/readiness': {
        get: {
          summary: 'Readiness of the next step (start or promote): every guard with its status and the real numbers',
          description:
            'Leaving the current phase is guarded by its minimum duration (and evidence criteria); entering the next by its checklist and sign-offs. `ready` only when every reason passes; a start/promote that is not ready is refused with 409 carrying the failing `reasons` (admins may send `"override": true`).',
          parameters: [keyParam],
          responses: {
            '200': { description: 'readiness', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
            ...authErrors,
            '404': problem('No such rollout'),
          },
        },
      },
      '/api/v1/rollouts/{key}/messages': {
        get: {
          summary: 'What the rollout said: its messages (comms, transition, red_flag), newest first, each with every webhook delivery and its attempt log',
          description:
            'Messages are written in the transaction of the transition or red-flag trip that produced them (kept even without webhooks). A delivery is `pending` until its message is due, `queued` while the worker sends and retries it, then `delivered`, `failed` (after the retry limit; `lastError` says why) or `skipped` (a scheduled message whose phase entry is over, or a webhook disabled before it was sent; `lastError` says why). docs/decisions/0007-communication.md.',
          parameters: [keyParam],
          responses: { '200': { description: 'the messages', content: { 'application/json': { schema: { type: 'object', required: ['key', 'messages'], properties: { key: { type: 'string' }, messages: { type: 'array', items: { $ref: '#/components/schemas/Message' } } } } } } }, ...authErrors, '404': problem('No such rollout') },
        },
      },
      '/api/v1/rollouts/{key}/timeline': {
        get: {
          summary: 'Planned vs actual for every phase, and the forecast end date',
          description:
            'Planned dates chain the phases\' minimum durations from the last start (`plannedFrom: "start"`; a draft is projected from now, `plannedFrom: "now"`); actual dates come from the audit trail (the transitions that entered and left each phase; the current phase has `actualEnd: null` and runs until `generatedAt`). `forecastEnd`: now plus what is left of the current phase\'s minimum plus every later minimum; the completion time once completed; null once aborted.',
          parameters: [keyParam],
          responses: {
            '200': { description: 'the timeline', content: { 'application/json': { schema: { $ref: '#/components/schemas/Timeline' } } } },
            ...authErrors,
            '404': problem('No such rollout'),
          },
        },
      },
      '/api/v1/rollouts/{key}/metrics': {
        post: {
          summary: 'Push a batch of metric samples (engineer, admin or a metrics token): all or nothing',
          description:
            'Every item is checked: a metric the plan declares (its top-level `metrics`), arm `baseline` | `candidate`, a finite `value`, `at` (RFC 3339) at most 5 minutes ahead and within the retention (SWITCHYARD_EVIDENCE_RETENTION_DAYS, default 90), `count` > 0 (default 1). Any bad item: 400 whose `errors` lists every bad item by index and field (`samples[3].value: …`), nothing stored. At most 10,000 samples per batch (and 1 MiB). `Idempotency-Key` (1–200 visible ASCII characters): a retry with the same key and body gets the first response again (header `Idempotent-Replayed: true`) and stores nothing; another body under the same key is a 409.',
          parameters: [keyParam, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['samples'], properties: { samples: { type: 'array', maxItems: 10000, items: js(ZMetricSampleSchema) } } } } } },
          responses: {
            '201': { description: 'stored (or, with a known Idempotency-Key, the first response again)', content: { 'application/json': { schema: { type: 'object', required: ['rollout', 'accepted', 'buckets', 'from', 'to'] } } } },
            '400': problem('A bad item (every one listed in `errors` by index and field), a plan without metrics, a bad Idempotency-Key'),
            ...authErrors,
            '404': problem('No such rollout'),
            '409': problem('The Idempotency-Key was used for a different batch'),
            ...bodyErrors,
          },
        },
        get: {
          summary: 'A metric over time for the dashboards: per arm, points at `resolution` with count, mean, min, max, sum, p50/p90/p95/p99 (from the rollups)',
          parameters: [
            keyParam,
            { name: 'metric', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'arm', in: 'query', schema: { type: 'string', enum: ['baseline', 'candidate'] } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'default now' },
            { name: 'window', in: 'query', schema: { type: 'string', default: '24h' }, description: 'the range when `from` is not given' },
            { name: 'resolution', in: 'query', schema: { type: 'string' }, description: 'e.g. 5m, 1h (≥ 1m, at most 2,000 points); default: ≤ 300 points' },
          ],
          responses: { '200': { description: 'series', content: { 'application/json': { schema: { type: 'object', required: ['key', 'metric', 'from', 'to', 'resolutionSeconds', 'series'] } } } }, '400': problem('Bad query (the parameter is named)'), ...authErrors, '404': problem('No such rollout') },
        },
      },
      '/api/v1/rollouts/{key}/comparisons': {
        post: {
          summary: 'Push a batch of dual-run comparison results (engineer, admin or a metrics token): all or nothing',
          description:
            'Each result needs `at` and either `compatible` (boolean) or both numbers `baseline` and `candidate` (compatible when within a criterion\'s tolerance, in %); optional `ref`, `category`, `fields` (any JSON, ≤ 8 KiB). Same batch rules as metrics: every bad item listed (`results[1].compatible: expected boolean`), nothing stored; at most 10,000 per batch; `Idempotency-Key`.',
          parameters: [keyParam, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['results'], properties: { results: { type: 'array', maxItems: 10000, items: js(ZComparisonResultSchema) } } } } } },
          responses: {
            '201': { description: 'stored (or the first response again)', content: { 'application/json': { schema: { type: 'object', required: ['rollout', 'accepted', 'buckets', 'from', 'to'] } } } },
            '400': problem('A bad item (every one listed in `errors` by index and field), a bad Idempotency-Key'),
            ...authErrors,
            '404': problem('No such rollout'),
            '409': problem('The Idempotency-Key was used for a different batch'),
            ...bodyErrors,
          },
        },
        get: {
          summary: 'Dual-run compatibility over time: per point n, compatible (with `tolerance` % for numeric pairs), rate, categories; and the totals of the range',
          parameters: [
            keyParam,
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'window', in: 'query', schema: { type: 'string', default: '24h' } },
            { name: 'resolution', in: 'query', schema: { type: 'string' } },
            { name: 'tolerance', in: 'query', schema: { type: 'number', default: 0 }, description: '% within which baseline and candidate numbers count as compatible' },
          ],
          responses: { '200': { description: 'series', content: { 'application/json': { schema: { type: 'object', required: ['key', 'from', 'to', 'resolutionSeconds', 'total', 'series'] } } } }, '400': problem('Bad query (the parameter is named)'), ...authErrors, '404': problem('No such rollout') },
        },
      },
      '/api/v1/rollouts/{key}/evidence': {
        get: {
          summary: 'The Evidence dashboard of a rollout (from the rollups): per metric and statistic both arms over time with the current phase\'s thresholds (criteria and red flags), each relative criterion\'s ratio with its 95 % interval per point, each criterion\'s verdict and soak, the evaluations stored, red-flag trips, phase transitions, compatible rate over time and the mismatch categories',
          parameters: [
            keyParam,
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'the range ends here (default now)' },
            { name: 'window', in: 'query', schema: { type: 'string', default: '24h' }, description: 'the range shown, ending at `to` (at most 90d)' },
            { name: 'resolution', in: 'query', schema: { type: 'string' }, description: 'the width of one point, whole minutes (at most 500 points); default: at most ~150 points' },
          ],
          responses: {
            '200': { description: 'the dashboard', content: { 'application/json': { schema: { type: 'object', required: ['key', 'status', 'from', 'to', 'resolutionSeconds', 'metrics', 'ratios', 'criteria', 'evaluations', 'redFlags', 'transitions', 'compatibility'] } } } },
            '400': problem('Bad query (the parameter is named in `errors`)'),
            ...authErrors,
            '404': problem('No such rollout'),
          },
        },
      },
      '/api/v1/rollouts/{key}/evidence/comparisons': {
        get: {
          summary: 'The raw dual-run comparison results behind the dashboard (drill-down), newest first, paged by `nextCursor`: ref, verdict or numbers with their difference in %, category, fields',
          parameters: [
            keyParam,
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'window', in: 'query', schema: { type: 'string', default: '24h' } },
            { name: 'category', in: 'query', schema: { type: 'string' }, description: 'one category; `(none)` for results without one' },
            { name: 'outcome', in: 'query', schema: { type: 'string', enum: ['any', 'mismatch', 'compatible'], default: 'any' }, description: 'mismatch: compatible=false, or numbers further apart than `tolerance` %' },
            { name: 'tolerance', in: 'query', schema: { type: 'number', default: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'the `nextCursor` of the previous page' },
          ],
          responses: {
            '200': { description: 'one page', content: { 'application/json': { schema: { type: 'object', required: ['key', 'from', 'to', 'rows', 'nextCursor'] } } } },
            '400': problem('Bad query (the parameter is named in `errors`)'),
            ...authErrors,
            '404': problem('No such rollout'),
          },
        },
      },
      '/api/v1/rollouts/{key}/report.md': {
        get: {
          summary: 'The readiness report as Markdown: status, next step with its guards, phases planned vs actual, the sign-off sheet with names, decisions and dates, checklists, overrides, open items — generated from the records',
          parameters: [keyParam],
          responses: { '200': { description: 'Markdown', content: { 'text/markdown': { schema: { type: 'string' } } } }, ...authErrors, '404': problem('No such rollout') },
        },
      },
      '/api/v1/rollouts/{key}/audit': {
        get: {
          summary: 'Audit trail of a rollout, newest first',
          parameters: [
            keyParam,
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
            { name: 'before', in: 'query', schema: { type: 'string' }, description: 'event id; returns older events' },
          ],
          responses: { '200': { description: 'events', content: { 'application/json': { schema: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: { $ref: '#/components/schemas/AuditEvent' } } } } } } }, '400': problem('Bad query'), ...authErrors, '404': problem('No such rollout') },
        },
      },
      '/api/v1/rollouts/{key}/phases/{phase}/checklist/{item}': {
        post: {
          summary: 'Tick or untick a checklist item of a phase gate (who and when are recorded; evidence is a link or a note)',
          description: 'Only items of the plan. A gate already passed (the phase entered, or the rollout finished) is closed: 409 `gate_passed`. Every tick and untick is an audit row (`checklist.tick` / `checklist.untick`).',
          parameters: [keyParam, phaseParam, { name: 'item', in: 'path', required: true, schema: { type: 'string' }, description: 'checklist item key' }],
          requestBody: { required: true, content: { 'application/json': { schema: js(ZTickChecklistSchema) } } },
          responses: {
            '200': { description: 'the item as it is now', content: { 'application/json': { schema: { type: 'object', required: ['key', 'phase', 'item', 'checked', 'evidence', 'by', 'at'] } } } },
            '400': problem('Bad body (the field is named)'),
            ...authErrors,
            '404': problem('No such rollout, phase or checklist item'),
            '409': problem('The gate has already been passed'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/rollouts/{key}/phases/{phase}/signoffs': {
        get: {
          summary: 'The sign-off sheet of a phase gate: its rule and every decision ever recorded (newest first; withdrawn and invalidated ones kept)',
          parameters: [keyParam, phaseParam],
          responses: {
            '200': { description: 'sign-off sheet', content: { 'application/json': { schema: { type: 'object', required: ['key', 'phase', 'rule', 'pending', 'signoffs', 'me'] } } } },
            ...authErrors,
            '404': problem('No such rollout or phase'),
          },
        },
        post: {
          summary: "Approve or reject a phase gate as one of its sign-off roles; posting again replaces that person's decision for the role",
          description:
            'Only people sign off: a signed-in user or a personal token (a service token is 403), holding `role` (users.signoffRoles; 403 names the role and what they hold). Four eyes: the approval of whoever promotes does not count toward the gate unless the plan says `allowSelfApproval: true`; one person counts once, whatever roles they hold; a standing rejection blocks.',
          parameters: [keyParam, phaseParam],
          requestBody: { required: true, content: { 'application/json': { schema: js(ZRecordSignoffSchema) } } },
          responses: {
            '201': { description: 'recorded', content: { 'application/json': { schema: { type: 'object', required: ['id', 'role', 'decision', 'comment', 'at', 'gateHash', 'user'] } } } },
            '400': problem('Bad body, a role the gate does not name, or a phase without a sign-off gate'),
            ...authErrors,
            '404': problem('No such rollout or phase'),
            '409': problem('The gate has already been passed, or a concurrent change'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/rollouts/{key}/phases/{phase}/signoffs/{role}': {
        delete: {
          summary: "Withdraw the caller's own standing decision for one sign-off role of the gate (the row stays, as history)",
          parameters: [keyParam, phaseParam, { name: 'role', in: 'path', required: true, schema: { type: 'string' }, description: 'sign-off role, URL-encoded (e.g. Technical%20Lead)' }],
          responses: {
            '200': { description: 'withdrawn', content: { 'application/json': { schema: { type: 'object', required: ['id', 'role', 'decision', 'withdrawnAt'] } } } },
            '400': problem('A role the gate does not name'),
            ...authErrors,
            '404': problem('No such rollout or phase, or no standing decision of yours to withdraw'),
          },
        },
      },
      '/api/v1/portfolio': {
        get: {
          summary: 'Every active and paused rollout for product: its phase, readiness at a glance (ready, or the first failing reason and how many fail), time in phase against the planned minimum, the last red-flag trip',
          responses: {
            '200': { description: 'the portfolio', content: { 'application/json': { schema: { type: 'object', required: ['at', 'rollouts'] } } } },
            '400': problem('A query parameter (there are none)'),
            ...authErrors,
          },
        },
      },
      '/api/v1/tokens': {
        get: { summary: 'List API tokens (admin; secrets are never shown again)', responses: { '200': { description: 'tokens' }, ...authErrors } },
        post: {
          summary: 'Create an API token (admin). The secret is in the response, once.',
          description:
            'A service token: `{ name, role }` (and `environment` for a `flags` token). A personal token: `{ name, user: "<email>" }` — it acts as that user (sign-offs, four eyes), with the user\'s role at the time of each request, and stops working when the user is disabled; it takes no `role` or `environment`.',
          requestBody: { required: true, content: { 'application/json': { schema: js(ZCreateTokenSchema) } } },
          responses: {
            '201': { description: 'created; `token` is the secret; `user` the owner\'s email for a personal token', content: { 'application/json': { schema: { type: 'object', required: ['token', 'id', 'role'] } } } },
            '400': problem('Bad body; an unknown `user` email; `role`/`environment` together with `user`'),
            ...authErrors,
            '409': problem('The `user` is disabled'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/tokens/{id}': {
        delete: {
          summary: 'Revoke an API token (admin). It stops working at once on this API and within a poll interval on the flag server.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': { description: 'revoked', content: { 'application/json': { schema: { type: 'object', required: ['id', 'name', 'revokedAt'] } } } }, '400': problem('Not a token id'), ...authErrors, '404': problem('No such token'), '409': problem('Already revoked') },
        },
      },
      '/api/v1/users': {
        get: {
          summary: 'List people who can sign in (admin): role, sign-off roles, disabled; never a password or its hash',
          responses: { '200': { description: 'users', content: { 'application/json': { schema: { type: 'object', required: ['users'], properties: { users: { type: 'array', items: { $ref: '#/components/schemas/User' } } } } } } }, ...authErrors },
        },
        post: {
          summary: 'Create a user (admin). Email is stored lower-case; without a password the account cannot sign in until one is set. Audited as user.create.',
          requestBody: { required: true, content: { 'application/json': { schema: js(ZCreateUserSchema) } } },
          responses: { '201': ok('created', 'User'), '400': problem('Bad body; `errors` names each field'), ...authErrors, '409': problem('The email is taken'), ...bodyErrors },
        },
      },
      '/api/v1/users/{id}': {
        get: { summary: 'One user (admin)', parameters: [userIdParam], responses: { '200': ok('the user', 'User'), '400': problem('Not a user id'), ...authErrors, '404': problem('No such user') } },
        patch: {
          summary: 'Change a user (admin): name, role, signoffRoles, password, disabled. One audit row (user.update, user.disable or user.enable) with the before/after.',
          description:
            'Disabling ends every session and revokes every personal token of the user at once. Enabling does not bring revoked tokens back. An admin cannot disable themselves or remove their own admin role, and the last enabled admin cannot be demoted or disabled (409).',
          parameters: [userIdParam],
          requestBody: { required: true, content: { 'application/json': { schema: js(ZUpdateUserSchema) } } },
          responses: {
            '200': ok('the user after the change', 'User'),
            '400': problem('Bad body or id; `errors` names each field'),
            ...authErrors,
            '404': problem('No such user'),
            '409': problem('Would lock out: disabling yourself, dropping your own admin role, or the last enabled admin'),
            ...bodyErrors,
          },
        },
      },
      '/api/v1/webhooks': {
        get: {
          summary: 'List webhooks (admin); never a secret (`hasSecret` says whether one is set)',
          responses: { '200': { description: 'webhooks', content: { 'application/json': { schema: { type: 'object', required: ['webhooks'], properties: { webhooks: { type: 'array', items: { $ref: '#/components/schemas/Webhook' } } } } } } }, ...authErrors },
        },
        post: {
          summary: 'Add a webhook (admin): `slack` posts {"text": message}; `generic` posts a JSON event signed with HMAC-SHA256 (X-Switchyard-Signature). Audited as webhook.create.',
          description:
            '`url`: http or https, no credentials. `secret` (generic only, 16+ printable characters): omitted, one is generated and returned once as `secret` in this response, never again. `audiences` (comms audiences) and `events` (comms, transition, red_flag): empty = all.',
          requestBody: { required: true, content: { 'application/json': { schema: js(ZCreateWebhookSchema) } } },
          responses: { '201': ok('created (with `secret` once if generated)', 'Webhook'), '400': problem('Bad body; `errors` names each field (url scheme, credentials, format, secret…)'), ...authErrors, '409': problem('The name is taken'), ...bodyErrors },
        },
      },
      '/api/v1/webhooks/{id}': {
        patch: {
          summary: 'Change a webhook (admin): name, url, format, secret, audiences, events, disabled. One audit row (webhook.update, webhook.disable or webhook.enable). A disabled webhook gets no new deliveries; its pending ones are skipped.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          requestBody: { required: true, content: { 'application/json': { schema: js(ZUpdateWebhookSchema) } } },
          responses: { '200': ok('the webhook after the change (with `secret` once if one was generated: slack → generic)', 'Webhook'), '400': problem('Bad body or id; `errors` names each field'), ...authErrors, '404': problem('No such webhook'), '409': problem('The name is taken'), ...bodyErrors },
        },
        delete: {
          summary: 'Delete a webhook (admin) that has no deliveries; one with deliveries is part of the rollouts\' delivery log: disable it instead (409). Audited as webhook.delete.',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { '200': ok('the deleted webhook', 'Webhook'), '400': problem('Not a webhook id'), ...authErrors, '404': problem('No such webhook'), '409': problem('It has deliveries: disable it instead') },
        },
      },
      '/api/v1/environments': {
        get: { summary: 'List environments', responses: { '200': { description: 'environments' }, ...authErrors } },
        post: {
          summary: 'Create an environment (admin)',
          requestBody: { required: true, content: { 'application/json': { schema: js(ZCreateEnvironmentSchema) } } },
          responses: { '201': { description: 'created' }, '400': problem('Bad body'), ...authErrors, '409': problem('Already exists'), ...bodyErrors },
        },
      },
      '/api/v1/environments/{env}': {
        get: {
          summary: 'Every flag in one environment: its current value, and the rollout and phase that set it',
          parameters: [{ name: 'env', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: '{ environment, flags: [{ key, type, value, baseline, rollout, phaseKey, updatedAt }] }' }, ...authErrors, '404': problem('No such environment') },
        },
      },
      '/api/v1/security-events': {
        get: {
          summary: 'The security log, newest first (admin): sign-ins, refused authorizations and cross-origin writes, rate-limit trips, tokens used from a new IP',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
            { name: 'before', in: 'query', schema: { type: 'string' }, description: 'event id; returns older events' },
            { name: 'type', in: 'query', schema: { type: 'string', enum: [...SECURITY_EVENT_TYPES] } },
          ],
          responses: { '200': { description: 'events', content: { 'application/json': { schema: { type: 'object', required: ['events'], properties: { events: { type: 'array' } } } } } }, '400': problem('Bad query'), ...authErrors },
        },
      },
      '/api/session': {
        post: {
          summary: 'Sign in with email and password (the web UI\'s sign-in form). Sets the session cookie. Only from Switchyard\'s own origin; rate-limited per account and per IP.',
          security: [],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: js(ZSignInSchema) },
              'application/x-www-form-urlencoded': { schema: js(ZSignInSchema) },
            },
          },
          responses: {
            '200': { description: 'signed in (JSON request); Set-Cookie carries the session', content: { 'application/json': { schema: { type: 'object', required: ['ok'] } } } },
            '303': { description: 'form request: to callbackUrl when signed in, else back to /signin with the reason' },
            '400': problem('Missing email or password'),
            '401': problem('Wrong email or password'),
            '403': problem('Not from Switchyard\'s own origin'),
            '415': problem('Neither JSON nor a form'),
            '429': problem('Too many failed sign-ins for this account or IP; Retry-After says when to try again'),
          },
        },
      },
      '/api/v1/plan.schema.json': { get: { summary: 'JSON Schema of the plan document', security: [], responses: { '200': { description: 'JSON Schema (draft 2020-12)' } } } },
      '/api/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        User: {
          type: 'object',
          required: ['id', 'email', 'name', 'role', 'signoffRoles', 'disabled', 'disabledAt', 'hasPassword', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            email: { type: 'string' },
            name: { type: 'string' },
            role: { type: 'string', enum: ['viewer', 'engineer', 'approver', 'admin'] },
            signoffRoles: { type: 'array', items: { type: 'string' } },
            disabled: { type: 'boolean' },
            disabledAt: { type: ['string', 'null'], format: 'date-time' },
            hasPassword: { type: 'boolean', description: 'false: created without a password; cannot sign in until one is set' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        Webhook: {
          type: 'object',
          required: ['id', 'name', 'url', 'format', 'audiences', 'events', 'hasSecret', 'disabled', 'disabledAt', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            url: { type: 'string' },
            format: { type: 'string', enum: ['slack', 'generic'] },
            audiences: { type: 'array', items: { type: 'string' }, description: 'comms audiences it receives; empty = all' },
            events: { type: 'array', items: { type: 'string', enum: ['comms', 'transition', 'red_flag'] }, description: 'message kinds it receives; empty = all' },
            hasSecret: { type: 'boolean' },
            secret: { type: 'string', description: 'only in the response that generated it' },
            disabled: { type: 'boolean' },
            disabledAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        Message: {
          type: 'object',
          required: ['id', 'kind', 'phaseKey', 'audience', 'when', 'body', 'scheduledAt', 'createdAt', 'deliveries'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            kind: { type: 'string', enum: ['comms', 'transition', 'red_flag'] },
            phaseKey: { type: 'string' },
            audience: { type: ['string', 'null'] },
            when: { type: ['string', 'null'], enum: ['before', 'after', null] },
            position: { type: ['integer', 'null'], description: "index of the template in the phase's comms" },
            body: { type: 'string' },
            scheduledAt: { type: 'string', format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            auditEventId: { type: ['string', 'null'] },
            deliveries: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'webhook', 'status', 'attempts', 'lastStatus', 'lastError', 'attemptLog'],
                properties: {
                  id: { type: 'string', format: 'uuid' },
                  webhook: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' }, format: { type: 'string' }, disabled: { type: 'boolean' } } },
                  status: { type: 'string', enum: ['pending', 'queued', 'delivered', 'failed', 'skipped'] },
                  attempts: { type: 'integer' },
                  lastStatus: { type: ['integer', 'null'] },
                  lastError: { type: ['string', 'null'] },
                  deliveredAt: { type: ['string', 'null'], format: 'date-time' },
                  attemptLog: { type: 'array', items: { type: 'object', required: ['attempt', 'statusCode', 'error', 'durationMs', 'at'] } },
                },
              },
            },
          },
        },
        Readiness: {
          type: 'object',
          required: ['ready', 'action', 'from', 'to', 'reasons'],
          properties: {
            ready: { type: 'boolean' },
            action: { type: ['string', 'null'], enum: ['start', 'promote', null] },
            from: { type: ['object', 'null'] },
            to: { type: ['object', 'null'] },
            reasons: {
              type: 'array',
              items: {
                type: 'object',
                required: ['kind', 'status', 'gate', 'detail'],
                properties: {
                  kind: { type: 'string', enum: ['status', 'duration', 'checklist', 'signoff', 'compatibility', 'metric', 'relative'] },
                  status: { type: 'string', enum: ['pass', 'fail', 'inconclusive'] },
                  gate: { type: 'string', enum: ['leave', 'enter'] },
                  phase: { type: ['string', 'null'] },
                  detail: { type: 'string' },
                },
              },
            },
          },
        },
        Timeline: {
          type: 'object',
          required: ['key', 'status', 'version', 'generatedAt', 'startedAt', 'plannedFrom', 'forecastEnd', 'completedAt', 'phases'],
          properties: {
            key: { type: 'string' },
            status: { type: 'string' },
            version: { type: 'integer' },
            generatedAt: { type: 'string', format: 'date-time' },
            startedAt: { type: ['string', 'null'], format: 'date-time' },
            plannedFrom: { type: 'string', enum: ['start', 'now'] },
            forecastEnd: { type: ['string', 'null'], format: 'date-time' },
            completedAt: { type: ['string', 'null'], format: 'date-time' },
            phases: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'name', 'index', 'minDurationSeconds', 'status', 'plannedStart', 'plannedEnd', 'actualStart', 'actualEnd', 'actualSeconds'],
                properties: {
                  key: { type: 'string' },
                  name: { type: 'string' },
                  index: { type: 'integer' },
                  minDurationSeconds: { type: 'integer' },
                  status: { type: 'string', enum: ['pending', 'current', 'done'] },
                  plannedStart: { type: ['string', 'null'], format: 'date-time' },
                  plannedEnd: { type: ['string', 'null'], format: 'date-time' },
                  actualStart: { type: ['string', 'null'], format: 'date-time' },
                  actualEnd: { type: ['string', 'null'], format: 'date-time' },
                  actualSeconds: { type: 'integer', description: 'seconds spent in the phase over every visit since the last start' },
                },
              },
            },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, requestId: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } }, currentVersion: { type: ['integer', 'null'] }, currentStatus: { type: ['string', 'null'] } },
        },
        RolloutSummary: { type: 'object', required: ['key', 'name', 'status', 'version', 'currentPhase'], properties: summaryProps },
        RolloutDetail: {
          type: 'object',
          required: ['key', 'name', 'status', 'version', 'currentPhase', 'phases', 'flags', 'allowedActions'],
          properties: {
            ...summaryProps,
            environments: { type: 'array', items: { type: 'string' } },
            allowedActions: { type: 'array', items: { type: 'string', enum: [...ACTIONS] } },
            rollbackTargets: { type: 'array', items: phaseRef },
            phases: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'name', 'status', 'flags'],
                properties: { key: { type: 'string' }, name: { type: 'string' }, index: { type: 'integer' }, description: { type: 'string' }, status: { type: 'string', enum: ['done', 'current', 'pending'] }, minDuration: { type: 'string' }, minDurationSeconds: { type: 'integer' }, environments: { type: 'array', items: { type: 'string' } }, flags: { type: 'object', description: '{ "FLAG_KEY": value or rule set }, as in the plan' } },
              },
            },
            flags: {
              type: 'array',
              items: {
                type: 'object',
                required: ['key', 'type', 'baseline', 'value'],
                properties: { key: { type: 'string' }, type: { type: 'string', enum: ['boolean', 'string', 'number', 'json'] }, variants: { type: 'array', items: { type: 'string' } }, description: { type: 'string' }, baseline: {}, value: { description: 'value in the current phase (baseline when none)' }, next: { description: "value in the next phase's vector" }, environments: { type: 'object', description: '{ env: { value, phaseKey } } — the value actually served per environment' } },
              },
            },
          },
        },
        AuditEvent: {
          type: 'object',
          required: ['id', 'at', 'actor', 'action', 'reason'],
          properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' }, actor: { type: 'object' }, action: { type: 'string' }, from: { type: 'object' }, to: { type: 'object' }, flagsBefore: {}, flagsAfter: {}, reason: { type: 'string' }, requestId: { type: ['string', 'null'] }, details: { description: 'what the action recorded: for start/promote the frozen `readiness` (and `override`, `overriddenReasons`); for checklist and sign-off events what changed' } },
        },
        Plan: planJsonSchema(),
      },
    },
  };
}
