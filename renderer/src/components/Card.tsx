import type { ReactNode } from 'react';

/** The bordered panel every page groups things in (sections, list items, the launcher's aside). */
export const cardClass = 'rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900';

/** A labelled figure: "ROWS READ / 1,204". */
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

/** One labelled value of a description list (<dl>): "FOLDER / /home/…". */
export function Detail({
  label,
  children,
  title,
  className = '',
}: {
  label: string;
  children: ReactNode;
  title?: string;
  className?: string;
}) {
  return (
    <div className="min-w-0">
      <dt className="text-xs tracking-wide text-zinc-500 uppercase">{label}</dt>
      <dd className={`mt-0.5 text-sm ${className}`} title={title}>
        {children}
      </dd>
    </div>
  );
}
