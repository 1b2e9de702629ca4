// Turning whatever a cell holds into a message list: plain text, an HH-style
// transcript, an OpenAI-style list of {role, content}, a sharegpt list of
// {from, value}, a single message object, or such a list stored as a JSON
// string in a CSV cell.
import { textToMessages, type Message } from './record';

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  system: 'system',
};

export type Coerced = { ok: true; messages: Message[] } | { ok: false; reason: string };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  // OpenAI multi-part content: keep the text parts.
  if (
    Array.isArray(content) &&
    content.every((p) => typeof p === 'object' && p !== null && typeof (p as { text?: unknown }).text === 'string')
  ) {
    return content.map((p) => (p as { text: string }).text).join('');
  }
  return null;
}

function toMessage(value: unknown): Message | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const object = value as Record<string, unknown>;
  if (typeof object.role === 'string') {
    const content = contentText(object.content);
    return content === null ? null : { role: object.role, content };
  }
  if (typeof object.from === 'string') {
    const content = contentText(object.value);
    return content === null ? null : { role: SHAREGPT_ROLES[object.from] ?? object.from, content };
  }
  return null;
}

export function isMessageObject(value: unknown): boolean {
  return toMessage(value) !== null;
}

export function isMessageList(value: unknown): value is unknown[] {
  return Array.isArray(value) && value.length > 0 && value.every((m) => toMessage(m) !== null);
}

/** A JSON-encoded message list in a text cell (as our CSV export writes them). */
function parseEncodedMessages(text: string): Message[] | null {
  if (!text.startsWith('[{')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isMessageList(value) ? value.map((m) => toMessage(m)!) : null;
  } catch {
    return null;
  }
}

/**
 * `role` is what a plain string becomes: 'user' for prompts, 'assistant' for
 * responses.
 */
export function coerceMessages(value: unknown, role: string): Coerced {
  if (typeof value === 'string') {
    return { ok: true, messages: parseEncodedMessages(value) ?? textToMessages(value, role) };
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return { ok: false, reason: `expected text or a message list, found ${describe(value)} (${String(value)})` };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: true, messages: [] };
    const messages: Message[] = [];
    for (const [i, item] of value.entries()) {
      const message = toMessage(item);
      if (message === null) {
        return { ok: false, reason: `item ${i + 1} of the list is not a message with role and text content` };
      }
      messages.push(message);
    }
    return { ok: true, messages };
  }
  const single = toMessage(value);
  if (single) return { ok: true, messages: [single] };
  return { ok: false, reason: `expected text or a message list, found ${describe(value)}` };
}

/** Index of the first message where two lists differ (their shared prefix length). */
export function sharedPrefixLength(a: Message[], b: Message[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i]!.role === b[i]!.role && a[i]!.content === b[i]!.content) i++;
  return i;
}

/**
 * Splits two plain texts that repeat their prompt (TRL's implicit-prompt
 * rule for strings): the shared prefix, backed off to a whitespace boundary
 * so no word is cut.
 */
export function splitSharedText(a: string, b: string): { prefix: string; a: string; b: string } {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  while (i > 0 && !/\s/.test(a[i - 1]!)) i--;
  return { prefix: a.slice(0, i), a: a.slice(i), b: b.slice(i) };
}
