import { useSyncExternalStore } from 'react';

/** UI-only state (panels, dialogs, toasts). Server data lives in TanStack Query, never here. */
export interface Toast {
  id: number;
  kind: 'error' | 'info';
  title: string;
  message: string;
}

interface UiState {
  jobsPanelOpen: boolean;
  shortcutsOpen: boolean;
  toasts: Toast[];
}

let state: UiState = { jobsPanelOpen: false, shortcutsOpen: false, toasts: [] };
const listeners = new Set<() => void>();
let nextToastId = 1;

function set(patch: Partial<UiState> | ((s: UiState) => Partial<UiState>)): void {
  state = { ...state, ...(typeof patch === 'function' ? patch(state) : patch) };
  for (const l of listeners) l();
}

export const ui = {
  get: () => state,
  subscribe: (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  toggleJobsPanel: (open?: boolean) => set((s) => ({ jobsPanelOpen: open ?? !s.jobsPanelOpen })),
  toggleShortcuts: (open?: boolean) => set((s) => ({ shortcutsOpen: open ?? !s.shortcutsOpen })),
  toast(toast: Omit<Toast, 'id'>, ttlMs = 8000) {
    const id = nextToastId++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { ...toast, id }] }));
    if (ttlMs > 0) setTimeout(() => ui.dismissToast(id), ttlMs);
  },
  dismissToast: (id: number) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
};

export function useUi<T>(select: (s: UiState) => T): T {
  return useSyncExternalStore(ui.subscribe, () => select(ui.get()));
}
