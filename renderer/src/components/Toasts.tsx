import { ui, useUi } from '../lib/ui-store';

/** Errors surface here with their contract code and message. */
export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-96 flex-col gap-2" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid="toast"
          className={`pointer-events-auto rounded-lg border p-3 shadow-lg ${
            t.kind === 'error'
              ? 'border-rose-300 bg-rose-50 text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100'
              : 'border-zinc-200 bg-white text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100'
          }`}
        >
          <div className="flex items-start justify-between gap-2">
            <div className="font-mono text-xs font-semibold">{t.title}</div>
            <button
              type="button"
              aria-label="Dismiss"
              className="text-xs opacity-60 hover:opacity-100"
              onClick={() => ui.dismissToast(t.id)}
            >
              ✕
            </button>
          </div>
          <div className="mt-1 text-sm">{t.message}</div>
        </div>
      ))}
    </div>
  );
}
