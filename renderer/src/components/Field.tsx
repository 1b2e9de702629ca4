import type { ReactNode } from 'react';

/** Form control styles shared by the dataset views, matching Button's zinc/indigo look. */
export const inputClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100';

export const cardClass = 'rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900';

export function Label({ text, children, className = '' }: { text: string; children: ReactNode; className?: string }) {
  return (
    <label className={`flex flex-col gap-1 text-xs font-medium text-zinc-500 ${className}`}>
      {text}
      {children}
    </label>
  );
}

/** A pressed/unpressed chip for small multi-choice filters (split, flags). */
export function Toggle({ on, onClick, children, testId, title }: { on: boolean; onClick: () => void; children: ReactNode; testId?: string; title?: string }) {
  return (
    <button
      type="button"
      aria-pressed={on}
      title={title}
      data-testid={testId}
      onClick={onClick}
      className={`rounded-full border px-2 py-0.5 text-xs focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 ${
        on
          ? 'border-indigo-500 bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300'
          : 'border-zinc-300 text-zinc-600 hover:bg-zinc-100 dark:border-zinc-700 dark:text-zinc-300 dark:hover:bg-zinc-800'
      }`}
    >
      {children}
    </button>
  );
}

export function Chip({ children, tone = 'zinc' }: { children: ReactNode; tone?: 'zinc' | 'amber' | 'indigo' | 'emerald' }) {
  const tones = {
    zinc: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
    amber: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
    indigo: 'bg-indigo-100 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300',
    emerald: 'bg-emerald-100 text-emerald-700 dark:bg-emerald-950 dark:text-emerald-300',
  };
  return <span className={`inline-block rounded px-1.5 py-0.5 text-xs whitespace-nowrap ${tones[tone]}`}>{children}</span>;
}

export function Stat({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div>
      <div className="text-xs tracking-wide text-zinc-500 uppercase">{label}</div>
      <div className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
