import { useEffect } from 'react';

export interface Shortcut {
  keys: string;
  description: string;
}

/** The studio's global shortcuts, shown in the help dialog (press ?). */
export const GLOBAL_SHORTCUTS: Shortcut[] = [
  { keys: '?', description: 'Show keyboard shortcuts' },
  { keys: 'g w', description: 'Go to Workspace' },
  { keys: 'g d', description: 'Go to Datasets' },
  { keys: 'g l', description: 'Go to Labeling (in the labeler, press ? for its keys)' },
  { keys: 'g r', description: 'Go to Runs' },
  { keys: 'g e', description: 'Go to Evaluate' },
  { keys: 'g c', description: 'Go to Compare' },
  { keys: 'g j', description: 'Go to Jobs' },
  { keys: 'J', description: 'Open or close the jobs panel' },
  { keys: 't', description: 'Switch light / dark theme' },
  { keys: 'Esc', description: 'Close a dialog or panel' },
  { keys: '/', description: 'Datasets: focus the search box' },
  { keys: 'j k', description: 'Lists and records: move between rows (or ↑ ↓); Enter opens, Space selects a record' },
];

/** Until when a "g …" sequence waits for its second key (shared by every useGlobalShortcuts). */
let sequenceUntil = 0;

/**
 * Whether the next key completes a "g …" sequence: lists that take j/k leave
 * it alone then, so "g j" still goes to Jobs while a list has the focus.
 */
export function shortcutSequencePending(): boolean {
  return Date.now() < sequenceUntil;
}

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/**
 * Global key handling with two-key sequences ("g j"). Keys typed into form
 * fields are left alone.
 */
export function useGlobalShortcuts(handlers: Record<string, () => void>): void {
  useEffect(() => {
    let prefix: string | null = null;
    let prefixTimer: number | undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || typingIn(e.target)) return;
      // A modal dialog owns the keyboard: Escape must reach it (to close it), and no shortcut acts behind it.
      if (document.querySelector('dialog[open]')) return;
      const key = prefix ? `${prefix} ${e.key}` : e.key;
      if (!prefix && e.key === 'g') {
        prefix = 'g';
        sequenceUntil = Date.now() + 1200;
        window.clearTimeout(prefixTimer);
        prefixTimer = window.setTimeout(() => (prefix = null), 1200);
        return;
      }
      prefix = null;
      sequenceUntil = 0;
      const handler = handlers[key];
      if (handler) {
        e.preventDefault();
        handler();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.clearTimeout(prefixTimer);
    };
  }, [handlers]);
}
