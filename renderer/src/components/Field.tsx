import type { ReactNode } from 'react';

/** Form control styles shared by every page, matching Button's zinc/indigo look. */
export const inputClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100';

/** A labelled control: the label above, the control (input, select, textarea), then what is wrong with it (`after`). */
export function Field({
  label,
  hint,
  after,
  children,
  className = '',
}: {
  label: ReactNode;
  hint?: string;
  after?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <label className={`flex flex-col gap-1 text-xs font-medium text-zinc-500 ${className}`} title={hint}>
      {label}
      {children}
      {after}
    </label>
  );
}

/** A value shown in a field's place (computed, not editable): the same label, the value in body text. */
export function ReadOnlyField({ label, children }: { label: ReactNode; children: ReactNode }) {
  return (
    <div className="flex flex-col gap-1 text-xs font-medium text-zinc-500">
      {label}
      {children}
    </div>
  );
}

/** A slider with its label before it and its value (two decimals) after it. */
export function RangeField({
  label,
  value,
  onChange,
  min,
  max,
  step,
  testId,
  className = '',
}: {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  step: number;
  testId?: string;
  className?: string;
}) {
  return (
    <label className={`flex items-center gap-2 ${className}`}>
      {label}
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        onChange={(e) => onChange(Number(e.target.value))}
        aria-label={label}
        aria-valuetext={value.toFixed(2)}
        data-testid={testId}
      />
      <span className="w-10 tabular-nums">{value.toFixed(2)}</span>
    </label>
  );
}
