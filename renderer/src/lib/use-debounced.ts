import { useEffect, useState } from 'react';

/** `value`, once it has stopped changing for `ms` (compared by JSON, so fresh objects with equal content do not restart the wait). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
    // The key stands for the value's content.
  }, [key, ms]);
  return settled;
}
