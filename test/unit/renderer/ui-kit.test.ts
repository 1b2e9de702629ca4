/**
 * One UI kit: the shared components live in renderer/src/components/ and the
 * pages use them instead of writing their own markup. Table markup, keyboard
 * keys, cards and the kit's building blocks are each written once; a page
 * that writes them again fails here (the e2e tests check that the kit's
 * tables still behave: keyboard rows, empty states, test ids).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../../renderer/src');
const COMPONENTS = 'components';

function sources(dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

/** The files (relative to renderer/src) outside `allowed` whose text matches `pattern`. */
function writtenOutside(pattern: RegExp, allowed: string[]): string[] {
  return sources()
    .map((path) => relative(ROOT, path))
    .filter((file) => !allowed.includes(file) && pattern.test(readFileSync(join(ROOT, file), 'utf8')));
}

describe('the UI kit', () => {
  it('is in components/: Table, Button, Field, Dialog, Badge, EmptyState, KeyHint, Card', () => {
    const kit = readdirSync(join(ROOT, COMPONENTS));
    for (const file of ['Table.tsx', 'Button.tsx', 'Field.tsx', 'Dialog.tsx', 'Badge.tsx', 'EmptyState.tsx', 'KeyHint.tsx', 'Card.tsx'])
      expect(kit).toContain(file);
  });

  it('writes table markup once, in the Table component', () => {
    expect(writtenOutside(/<(table|thead|tbody|th|td|tr)[\s>]/, ['components/Table.tsx'])).toEqual([]);
  });

  it('defines its building blocks only in components/ (no page keeps a kit of its own)', () => {
    const kit =
      /export (function|const) (Table|Button|Toggle|BackLink|Field|Label|inputClass|Dialog|Badge|Chip|\w*StatusBadge|EmptyState|KeyHint|cardClass|Stat|Detail)\b/;
    expect(
      writtenOutside(
        kit,
        sources(join(ROOT, COMPONENTS)).map((p) => relative(ROOT, p)),
      ),
    ).toEqual([]);
    expect(sources().filter((p) => /\/pages\/.*\/ui\.tsx?$/.test(p))).toEqual([]);
  });

  it('writes keyboard keys, field labels, cards, badges and empty states once', () => {
    expect(writtenOutside(/<kbd/, ['components/KeyHint.tsx'])).toEqual([]);
    expect(writtenOutside(/flex-col gap-1 text-xs font-medium text-zinc-500/, ['components/Field.tsx'])).toEqual([]);
    expect(writtenOutside(/rounded-xl border border-zinc-200 bg-white p/, ['components/Card.tsx', 'components/Dialog.tsx'])).toEqual([]);
    expect(writtenOutside(/rounded px-1\.5 py-0\.5 text-xs/, ['components/Badge.tsx'])).toEqual([]);
    expect(
      writtenOutside(/<p className="[^"]*text-sm text-zinc-500[^"]*">\s*(No |None|Nothing|Loading)/, ['components/EmptyState.tsx']),
    ).toEqual([]);
  });

  it('gives the Table keyboard rows that row-navigation moves between', () => {
    const table = readFileSync(join(ROOT, COMPONENTS, 'Table.tsx'), 'utf8');
    const navigation = readFileSync(join(ROOT, 'lib/row-navigation.ts'), 'utf8');
    expect(navigation).toContain("'[data-nav-row]'");
    expect(table).toContain("'data-nav-row': true");
    expect(table).toContain('useRowNavigation');
  });
});
