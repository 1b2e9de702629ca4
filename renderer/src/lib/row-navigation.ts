import { useEffect, useRef, type KeyboardEvent } from 'react';
import { shortcutSequencePending } from './shortcuts';

/**
 * Puts the keyboard on a list the person just navigated to, so j/k and Enter
 * work at once (no Tab first) — unless they are typing in a field or a dialog
 * is open.
 */
export function focusOnArrival(element: HTMLElement | null | undefined): void {
  if (!element || document.querySelector('dialog[open]')) return;
  const active = document.activeElement as HTMLElement | null;
  if (active && (active.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(active.tagName))) return;
  element.focus({ preventScroll: true });
}

const MOVES: Record<string, number> = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 };

/**
 * j/k (or ↑/↓) between a table's rows marked `data-nav-row` (focusable, Enter
 * opens them); the first row takes focus when the rows first appear.
 */
export function useRowNavigation<T extends HTMLElement>(ready: boolean) {
  const ref = useRef<T>(null);
  const arrived = useRef(false);
  useEffect(() => {
    if (!ready || arrived.current) return;
    arrived.current = true;
    focusOnArrival(ref.current?.querySelector<HTMLElement>('[data-nav-row]'));
  }, [ready]);
  const onKeyDown = (e: KeyboardEvent) => {
    const move = MOVES[e.key];
    if (move === undefined || e.metaKey || e.ctrlKey || e.altKey || shortcutSequencePending()) return;
    const rows = [...(ref.current?.querySelectorAll<HTMLElement>('[data-nav-row]') ?? [])];
    const index = rows.indexOf(e.target as HTMLElement);
    if (index < 0) return;
    rows[Math.max(0, Math.min(rows.length - 1, index + move))]?.focus();
    e.preventDefault();
  };
  return { ref, onKeyDown };
}
