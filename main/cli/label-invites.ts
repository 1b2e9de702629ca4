import type { Invite } from '../../shared/invites';
import type { LabelQueue } from '../../shared/labeling';
import { call, type StudioDoor } from '../core/client';
import { CliError, type CommandContext } from './commands';
import { table } from './output';

export const INVITE_USAGE = [
  'studio label invite QUEUE [QUEUE…] --annotator NAME [--expires-hours N] [--url http://HOST:PORT] [--workspace DIR] [--json]',
  'studio label invites [--workspace DIR] [--json]',
  'studio label revoke INVITE_ID [--workspace DIR] [--json]',
];

export const INVITE_OPTIONS = {
  annotator: { type: 'string' },
  'expires-hours': { type: 'string' },
  url: { type: 'string' },
} as const;

const when = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/** Where `studio serve` listens unless told otherwise: the link's default address. */
function defaultBaseUrl(): string {
  return `http://127.0.0.1:${process.env.STUDIO_PORT ?? '7860'}`;
}

/** An annotator profile by name, made when there is none yet (the invite is how a new teammate arrives). */
async function annotatorNamed(ctx: CommandContext, studio: StudioDoor, name: string) {
  const existing = (await call(studio, 'labeling.annotators', {})).find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (existing) return existing;
  const made = await call(studio, 'labeling.createAnnotator', { name });
  if (!ctx.json) ctx.io.err(`New annotator profile "${made.name}" (#${made.id}).`);
  return made;
}

/** `studio label invite`: an invite link for one annotator and the given queues, printed once. */
export async function createInvite(ctx: CommandContext, studio: StudioDoor, queues: readonly LabelQueue[]): Promise<void> {
  const name = ctx.values.annotator;
  if (typeof name !== 'string' || !name.trim()) throw new CliError('name who is invited: --annotator NAME');
  let expiresInHours: number | undefined;
  if (ctx.values['expires-hours'] !== undefined) {
    expiresInHours = Number(ctx.values['expires-hours']);
    if (!Number.isFinite(expiresInHours) || expiresInHours <= 0 || expiresInHours > 24 * 366)
      throw new CliError(
        `--expires-hours must be a number of hours above 0 and at most ${24 * 366}, not "${ctx.values['expires-hours']}".`,
      );
  }
  const baseUrl = typeof ctx.values.url === 'string' ? ctx.values.url : defaultBaseUrl();
  if (!/^https?:\/\/[^/?#]+\/?$/.test(baseUrl))
    throw new CliError(`--url takes the address annotators open, like http://192.168.1.5:7860, not "${baseUrl}".`);
  const annotator = await annotatorNamed(ctx, studio, name.trim());
  const made = await call(studio, 'invites.create', {
    annotatorId: annotator.id,
    queueIds: queues.map((q) => q.id),
    baseUrl,
    ...(expiresInHours !== undefined ? { expiresInHours } : {}),
  });
  if (ctx.json) {
    ctx.io.out(JSON.stringify(made));
    return;
  }
  const { invite } = made;
  ctx.io.out(
    `Invite #${invite.id} for ${invite.annotator.name}: ${queues.map((q) => `queue #${q.id} "${q.name}"`).join(', ')}, ${
      invite.expiresAt === null ? 'no expiry' : `expires ${when(invite.expiresAt)}`
    }`,
  );
  ctx.io.out(made.url);
  ctx.io.err(
    `The link is shown only now (the workspace keeps a hash of it). It works while \`studio serve\` runs at ${baseUrl} (--url for another address). Revoke it with: studio label revoke ${invite.id}`,
  );
}

export async function listInvites(ctx: CommandContext, studio: StudioDoor): Promise<void> {
  const invites = await call(studio, 'invites.list', {});
  if (ctx.json) ctx.io.out(JSON.stringify(invites));
  else if (invites.length === 0) ctx.io.out('No invites yet. Make one with: studio label invite QUEUE --annotator NAME');
  else
    ctx.io.out(
      table(
        ['id', 'annotator', 'queues', 'status', 'created', 'expires', 'last used'],
        invites.map((i: Invite) => [
          String(i.id),
          i.annotator.name,
          i.queueIds.map((q) => `#${q}`).join(' '),
          i.status,
          when(i.createdAt),
          when(i.expiresAt),
          when(i.lastUsedAt),
        ]),
      ),
    );
}

export async function revokeInvite(ctx: CommandContext, studio: StudioDoor, ref: string | undefined): Promise<void> {
  const id = Number(ref);
  if (!ref || !Number.isInteger(id) || id < 1)
    throw new CliError('name the invite by its id (see studio label invites): studio label revoke ID');
  const invite = await call(studio, 'invites.revoke', { id });
  if (ctx.json) ctx.io.out(JSON.stringify(invite));
  else ctx.io.out(`Invite #${invite.id} for ${invite.annotator.name} is revoked: its link is refused from now on.`);
}
