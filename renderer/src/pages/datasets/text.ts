import type { Message } from '../../../../shared/datasets';

/** One line of text for a message list: what a table cell or a preview shows. */
export function messagesText(messages: Message[] | null | undefined): string {
  if (!messages || messages.length === 0) return '';
  return messages.map((m) => m.content).join(' · ');
}

export function truncate(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}
