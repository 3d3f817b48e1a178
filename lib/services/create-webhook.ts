// Adds a webhook (admin) that receives phase communications: Slack-compatible JSON, or generic
// JSON signed with HMAC-SHA256. A generic webhook without a given secret gets a generated one,
// returned once in the create response and never again. URLs are http(s) without credentials;
// which hosts they may reach is the admins' call (docs/decisions/0007-communication.md, SSRF).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authorize, type Actor } from '../auth/actor';
import { prisma } from '../db';
import { badRequest, conflict } from '../errors';
import { LIMITS } from '../limits';
import { MESSAGE_KINDS } from '../domain/comms';
import { toWebhookView, type WebhookView } from '../queries/webhooks';

export const WEBHOOK_FORMATS = ['slack', 'generic'] as const;
export const WEBHOOK_SECRET_MIN = 16;
const URL_MAX = 2000;

const unique = (what: string) => (list: string[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  list.forEach((x, i) => {
    if (seen.has(x)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} "${x}" is listed twice` });
    seen.add(x);
  });
};

export const ZWebhookName = z.string({ error: 'must be a string' }).trim().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`);

export const ZWebhookUrl = z
  .string({ error: 'must be a URL (a string)' })
  .trim()
  .min(1, 'must not be empty')
  .max(URL_MAX, `at most ${URL_MAX} characters`)
  .superRefine((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a URL (e.g. https://hooks.slack.com/services/…)' });
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `scheme "${u.protocol.replace(/:$/, '')}" is not allowed: use http or https` });
    else if (u.username || u.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials (user:password@); a generic webhook is authenticated by its signature' });
    else if (!u.hostname) ctx.addIssue({ code: 'custom', message: 'has no host' });
  });

export const ZWebhookFormat = z.enum(WEBHOOK_FORMATS, { error: `must be one of ${WEBHOOK_FORMATS.join(', ')}` });

export const ZWebhookSecret = z
  .string({ error: 'must be a string' })
  .min(WEBHOOK_SECRET_MIN, `at least ${WEBHOOK_SECRET_MIN} characters`)
  .max(200, 'at most 200 characters')
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const ZWebhookAudiences = z
  .array(z.string({ error: 'an audience is a string' }).trim().min(1, 'must not be empty').max(LIMITS.nameLength, `at most ${LIMITS.nameLength} characters`), {
    error: 'must be a list of audience names (empty = every audience)',
  })
  .max(50, 'at most 50 audiences')
  .superRefine(unique('audience'));

export const ZWebhookEvents = z
  .array(z.enum(MESSAGE_KINDS, { error: `must be one of ${MESSAGE_KINDS.join(', ')}` }), { error: `must be a list of ${MESSAGE_KINDS.join(', ')} (empty = all)` })
  .superRefine(unique('event'));

export const ZCreateWebhookSchema = z.strictObject({
  name: ZWebhookName,
  url: ZWebhookUrl,
  format: ZWebhookFormat,
  secret: ZWebhookSecret.optional(),
  audiences: ZWebhookAudiences.default([]),
  events: ZWebhookEvents.default([]),
});
export type TCreateWebhookSchema = z.infer<typeof ZCreateWebhookSchema>;

export type WebhookWithSecret = WebhookView & { secret?: string };

export const generateWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

/** The URL as the audit trail keeps it: scheme, host and port only (a Slack URL's path is its key). */
export const auditUrl = (url: string) => {
  const u = new URL(url);
  return `${u.origin}/…`;
};

export const slackSecretRefused = () =>
  badRequest('secret: only generic webhooks sign their requests (a Slack webhook URL is its own secret)', {
    errors: [{ path: 'secret', message: 'only for format "generic"' }],
  });

export const nameTaken = (name: string) => conflict(`a webhook named "${name}" already exists`, { errors: [{ path: 'name', message: 'already taken' }] });

export async function createWebhook(actor: Actor, input: TCreateWebhookSchema): Promise<WebhookWithSecret> {
  authorize(actor, 'webhook.manage');
  if (input.format === 'slack' && input.secret !== undefined) throw slackSecretRefused();
  const generated = input.format === 'generic' && input.secret === undefined ? generateWebhookSecret() : undefined;
  const secret = input.format === 'generic' ? (input.secret ?? generated!) : null;
  return prisma()
    .$transaction(async (tx) => {
      if (await tx.webhook.findUnique({ where: { name: input.name }, select: { id: true } })) throw nameTaken(input.name);
      const w = await tx.webhook.create({
        data: { name: input.name, url: input.url, format: input.format, secret, audiences: input.audiences, events: input.events, createdById: actor.kind === 'user' ? actor.id : (actor.userId ?? null) },
      });
      await tx.auditEvent.create({
        data: {
          actorType: actor.kind,
          actorId: actor.id,
          actorName: actor.name,
          action: 'webhook.create',
          reason: `webhook "${w.name}" (${w.format}, ${auditUrl(w.url)})`,
          details: { webhookId: w.id, before: null, after: { name: w.name, url: auditUrl(w.url), format: w.format, audiences: w.audiences, events: w.events, disabled: false }, secretGenerated: !!generated },
        },
      });
      return { ...toWebhookView(w), ...(generated ? { secret: generated } : {}) };
    })
    .catch((e: unknown) => {
      if ((e as { code?: string })?.code === 'P2002') throw nameTaken(input.name);
      throw e;
    });
}
