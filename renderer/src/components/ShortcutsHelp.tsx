import { GLOBAL_SHORTCUTS } from '../lib/shortcuts';
import { ui, useUi } from '../lib/ui-store';
import { Dialog } from './Dialog';

export function ShortcutsHelp() {
  const open = useUi((s) => s.shortcutsOpen);
  return (
    <Dialog open={open} onClose={() => ui.toggleShortcuts(false)} title="Keyboard shortcuts">
      <table className="w-full text-sm" data-testid="shortcuts">
        <tbody>
          {GLOBAL_SHORTCUTS.map((s) => (
            <tr key={s.keys} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800">
              <td className="py-1.5 pr-4 whitespace-nowrap">
                {s.keys.split(' ').map((k) => (
                  <kbd key={k} className="mr-1">
                    {k}
                  </kbd>
                ))}
              </td>
              <td className="py-1.5 text-zinc-600 dark:text-zinc-300">{s.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
