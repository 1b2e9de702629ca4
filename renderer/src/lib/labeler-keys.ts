import type { ScreenChoice } from '../../../shared/labeling';

/** What a key press asks the labeler to do. */
export type LabelerCommand =
  | { kind: 'choose'; choice: ScreenChoice }
  | { kind: 'skip' }
  | { kind: 'undo' }
  | { kind: 'rationale' }
  | { kind: 'confidence' }
  | { kind: 'diff' }
  | { kind: 'guidelines' }
  | { kind: 'help' };

/** The labeler's keys, as the key map overlay (press ?) lists them. */
export const LABELER_KEYS: { keys: string; description: string }[] = [
  { keys: '1 ←', description: 'Left response is better' },
  { keys: '2 →', description: 'Right response is better' },
  { keys: 'T', description: 'Tie: both equally good' },
  { keys: 'B', description: 'Both bad' },
  { keys: 'S', description: 'Skip (the pair comes back at the end)' },
  { keys: 'U Ctrl+Z', description: 'Undo your last label and reopen its pair (again to walk further back)' },
  { keys: 'R', description: 'Write a rationale (Esc returns to the keys)' },
  { keys: 'C', description: 'Confidence: cycles 1 → 2 → 3 → none' },
  { keys: 'D', description: 'Highlight the words that differ between the responses' },
  { keys: 'H', description: 'Show or hide the guidelines' },
  { keys: '?', description: 'Show or hide this key map' },
];

interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

/** The command for a key press, or null when the key is not the labeler's (it then reaches the global shortcuts). */
export function labelerCommand(e: KeyLike): LabelerCommand | null {
  if (e.altKey) return null;
  if (e.ctrlKey || e.metaKey) return e.key.toLowerCase() === 'z' ? { kind: 'undo' } : null;
  switch (e.key) {
    case '1':
    case 'ArrowLeft':
      return { kind: 'choose', choice: 'left' };
    case '2':
    case 'ArrowRight':
      return { kind: 'choose', choice: 'right' };
    case '?':
      return { kind: 'help' };
  }
  switch (e.key.toLowerCase()) {
    case 't':
      return { kind: 'choose', choice: 'tie' };
    case 'b':
      return { kind: 'choose', choice: 'both_bad' };
    case 's':
      return { kind: 'skip' };
    case 'u':
      return { kind: 'undo' };
    case 'r':
      return { kind: 'rationale' };
    case 'c':
      return { kind: 'confidence' };
    case 'd':
      return { kind: 'diff' };
    case 'h':
      return { kind: 'guidelines' };
  }
  return null;
}

/** Confidence after one press of C: none → 1 → 2 → 3 → none. */
export function nextConfidence(current: number | null): number | null {
  return current === null ? 1 : current >= 3 ? null : current + 1;
}
