import { GLOBAL_SHORTCUTS } from '../lib/shortcuts';
import { ui, useUi } from '../lib/ui-store';
import { Dialog } from './Dialog';
import { KeyHint } from './KeyHint';
import { Table, type Column } from './Table';

const SHORTCUT_COLUMNS: Column<(typeof GLOBAL_SHORTCUTS)[number]>[] = [
  { header: 'Keys', className: 'whitespace-nowrap', cell: (s) => <KeyHint keys={s.keys} /> },
  { header: 'What it does', className: 'text-zinc-600 dark:text-zinc-300', cell: (s) => s.description },
];

export function ShortcutsHelp() {
  const open = useUi((s) => s.shortcutsOpen);
  return (
    <Dialog open={open} onClose={() => ui.toggleShortcuts(false)} title="Keyboard shortcuts">
      <Table columns={SHORTCUT_COLUMNS} rows={GLOBAL_SHORTCUTS} rowKey={(s) => s.keys} density="compact" hideHeader testId="shortcuts" />
    </Dialog>
  );
}
