import { useEffect, useRef, type ReactNode } from 'react';

/** A modal built on <dialog>: focus trapping and Escape come from the platform. */
export function Dialog({
  open,
  onClose,
  title,
  children,
  wide = false,
  testId,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  /** For dialogs with tables (import preview): most of the window instead of a narrow card. */
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      data-testid={testId}
      className={`m-auto ${wide ? 'w-[64rem]' : 'w-[32rem]'} max-h-[90vh] max-w-[90vw] overflow-auto rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-2xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100`}
    >
      <div className="flex items-center justify-between border-b border-zinc-200 px-5 py-3 dark:border-zinc-800">
        <h2 className="text-base font-semibold">{title}</h2>
        <button type="button" aria-label="Close" onClick={onClose} className="text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100">
          ✕
        </button>
      </div>
      <div className="px-5 py-4">{children}</div>
    </dialog>
  );
}
