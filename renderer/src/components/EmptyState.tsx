import type { ReactNode } from 'react';

/** What a list, table or panel says when it has nothing to show yet (and how to get something). */
export function EmptyState({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p className="text-sm text-zinc-500" data-testid={testId}>
      {children}
    </p>
  );
}
