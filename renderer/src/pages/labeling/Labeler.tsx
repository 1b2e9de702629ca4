import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Message } from '../../../../shared/datasets';
import type { LabelItem, LabelQueue } from '../../../../shared/labeling';
import { useApi } from '../../api/context';
import { Badge } from '../../components/Badge';
import { Button } from '../../components/Button';
import { cardClass } from '../../components/Card';
import { EmptyState } from '../../components/EmptyState';
import { inputClass } from '../../components/Field';
import { KeyHint } from '../../components/KeyHint';
import { Table, type Column } from '../../components/Table';
import { LABELER_KEYS, labelerCommand, nextConfidence, type LabelerCommand } from '../../lib/labeler-keys';
import { SafeMarkdown } from '../../lib/safe-markdown';
import { shortcutSequencePending } from '../../lib/shortcuts';
import { ui } from '../../lib/ui-store';
import { wordDiff, type DiffSegment } from '../../lib/word-diff';
import { LabelSession, type SessionView } from './label-session';

const textOf = (messages: Message[]) => messages.map((m) => m.content).join('\n\n');

function typingIn(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Memoized: the labeler re-renders as writes are answered, and parsing markdown again each time would compete with the next key press. */
const Turns = memo(function Turns({ messages, testId }: { messages: Message[]; testId: string }) {
  return (
    <div className="space-y-3" data-testid={testId}>
      {messages.map((m, i) => (
        <div key={i}>
          {(messages.length > 1 || m.role !== 'assistant') && (
            <div className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">{m.role}</div>
          )}
          <SafeMarkdown text={m.content} className="text-sm" />
        </div>
      ))}
    </div>
  );
});

function DiffText({ segments, tone }: { segments: DiffSegment[]; tone: 'left' | 'right' }) {
  const mark = tone === 'left' ? 'bg-rose-100 dark:bg-rose-900/60' : 'bg-emerald-100 dark:bg-emerald-900/60';
  return (
    <div className="text-sm whitespace-pre-wrap" data-testid={`diff-${tone}`}>
      {segments.map((s, i) =>
        s.changed ? (
          <mark key={i} className={`rounded-sm text-inherit ${mark}`}>
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </div>
  );
}

function ResponsePane({ side, messages, segments }: { side: 'left' | 'right'; messages: Message[]; segments: DiffSegment[] | null }) {
  return (
    <section className={`${cardClass} flex min-h-0 min-w-0 flex-col`} aria-label={`${side} response`}>
      <div className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 text-xs text-zinc-500 dark:border-zinc-800">
        <span className="font-medium tracking-wide uppercase">{side === 'left' ? 'Left' : 'Right'}</span>
        <span>
          <KeyHint keys={side === 'left' ? '1 ←' : '2 →'} />
          better
        </span>
      </div>
      {/* Each response scrolls on its own, so a long one never pushes the other out of view. */}
      <div className="max-h-[52vh] min-h-24 overflow-y-auto px-4 py-3" data-testid={`labeler-${side}`}>
        {segments ? <DiffText segments={segments} tone={side} /> : <Turns messages={messages} testId={`labeler-${side}-text`} />}
      </div>
    </section>
  );
}

const KEY_COLUMNS: Column<(typeof LABELER_KEYS)[number]>[] = [
  { header: 'Keys', className: 'whitespace-nowrap', cell: (k) => <KeyHint keys={k.keys} /> },
  { header: 'What it does', className: 'text-zinc-600 dark:text-zinc-300', cell: (k) => k.description },
];

/** The key map: an overlay rather than a modal dialog, so the keys keep working while it is open. */
function KeyMap({ onClose }: { onClose: () => void }) {
  return (
    <div
      className={`${cardClass} fixed top-20 right-6 z-40 w-[26rem] p-4 shadow-2xl`}
      role="region"
      aria-label="Labeler keys"
      data-testid="labeler-keymap"
    >
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-sm font-semibold">Labeler keys</h2>
        <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={onClose} aria-label="Close key map">
          ✕
        </Button>
      </div>
      <Table columns={KEY_COLUMNS} rows={LABELER_KEYS} rowKey={(k) => k.keys} density="compact" hideHeader />
    </div>
  );
}

function PromptView({ item }: { item: LabelItem }) {
  return (
    <section className={`${cardClass} max-h-[30vh] overflow-y-auto px-4 py-3`} aria-label="Prompt" data-testid="labeler-prompt">
      {item.system && (
        <div className="mb-3 rounded-md bg-zinc-50 px-3 py-2 dark:bg-zinc-800/60" data-testid="labeler-system">
          <div className="mb-1 text-xs font-medium tracking-wide text-zinc-500 uppercase">System</div>
          <SafeMarkdown text={item.system} className="text-sm text-zinc-600 dark:text-zinc-300" />
        </div>
      )}
      <Turns messages={item.prompt} testId="labeler-prompt-text" />
    </section>
  );
}

const noSubscription = () => () => {};
const STARTING_VIEW: SessionView = {
  current: null,
  phase: 'loading',
  pending: 0,
  acknowledged: 0,
  lastSaved: null,
  error: null,
  ready: false,
};
const startingView = () => STARTING_VIEW;

interface PairExtras {
  itemId: number | null;
  rationale: string;
  confidence: number | null;
}

const ACTION_BUTTONS: { command: LabelerCommand; keys: string; label: string; testId: string }[] = [
  { command: { kind: 'choose', choice: 'left' }, keys: '1', label: 'Left better', testId: 'choose-left' },
  { command: { kind: 'choose', choice: 'right' }, keys: '2', label: 'Right better', testId: 'choose-right' },
  { command: { kind: 'choose', choice: 'tie' }, keys: 'T', label: 'Tie', testId: 'choose-tie' },
  { command: { kind: 'choose', choice: 'both_bad' }, keys: 'B', label: 'Both bad', testId: 'choose-both-bad' },
  { command: { kind: 'skip' }, keys: 'S', label: 'Skip', testId: 'choose-skip' },
  { command: { kind: 'undo' }, keys: 'U', label: 'Undo', testId: 'choose-undo' },
];

/**
 * The labeler: the prompt on top, the two responses side by side in the
 * order the backend chose for this annotator, guidelines beside them. Every
 * action has a key (press ? for the map); keys work from the moment the page
 * opens, without a click or Tab, and never while typing a rationale.
 */
export function Labeler({ queue, annotatorId, annotatorName }: { queue: LabelQueue; annotatorId: number; annotatorName: string }) {
  const api = useApi();
  // Made in the effect, so a remount (StrictMode, a new annotator) starts a fresh session and closes the old one.
  const [session, setSession] = useState<LabelSession | null>(null);
  useEffect(() => {
    const fresh = new LabelSession(api, queue.id, annotatorId);
    setSession(fresh);
    void fresh.start();
    return () => fresh.close();
  }, [api, queue.id, annotatorId]);
  const view = useSyncExternalStore(session?.subscribe ?? noSubscription, session?.get ?? startingView);
  const item = view.current;
  const [stored, setExtras] = useState<PairExtras>({ itemId: null, rationale: '', confidence: null });
  // Rationale and confidence belong to the pair on screen: a new pair starts empty.
  // A pair opens with the rationale draft saved for it (labeling.saveDraft), if one was being typed before a reload.
  const extras: PairExtras =
    stored.itemId === (item?.id ?? null) ? stored : { itemId: item?.id ?? null, rationale: item?.draft ?? '', confidence: null };
  const draftTimer = useRef<number | undefined>(undefined);
  /** Saves the rationale as typed, 300 ms after the last key, so a crash or reload loses nothing typed. */
  const typeRationale = (rationale: string) => {
    setExtras({ ...extras, rationale });
    const itemId = extras.itemId;
    window.clearTimeout(draftTimer.current);
    if (itemId === null) return;
    draftTimer.current = window.setTimeout(() => {
      api.call('labeling.saveDraft', { queueId: queue.id, annotatorId, itemId, rationale }).catch((err: unknown) => {
        ui.toast({ kind: 'error', title: 'Draft not saved', message: err instanceof Error ? err.message : String(err) });
      });
    }, 300);
  };
  useEffect(() => () => window.clearTimeout(draftTimer.current), []);
  const [rationaleOpen, setRationaleOpen] = useState(false);
  const [showDiff, setShowDiff] = useState(false);
  const [showHelp, setShowHelp] = useState(false);
  const [showGuidelines, setShowGuidelines] = useState(queue.guidelines.trim().length > 0);
  const rootRef = useRef<HTMLDivElement>(null);
  const rationaleRef = useRef<HTMLTextAreaElement>(null);
  // Asked for by R. Focused in the commit that renders the box (a layout effect, before the next key event is
  // handled): focusing a frame later let the first letters typed after R reach the labeler's keys as shortcuts.
  const [rationaleFocus, setRationaleFocus] = useState(0);
  useLayoutEffect(() => {
    if (rationaleFocus > 0) rationaleRef.current?.focus();
  }, [rationaleFocus]);

  const guidelines = useMemo(() => <SafeMarkdown text={queue.guidelines} className="text-sm" />, [queue.guidelines]);
  const diff = useMemo(() => (item && showDiff ? wordDiff(textOf(item.left), textOf(item.right)) : null), [item, showDiff]);

  useEffect(() => rootRef.current?.focus(), []);
  useEffect(() => {
    if (view.error) ui.toast({ kind: 'error', title: 'Label not saved', message: view.error });
  }, [view.error]);

  const run = (command: LabelerCommand) => {
    const extrasNow = { rationale: extras.rationale, confidence: extras.confidence ?? undefined };
    // The label carries the rationale itself: a draft saved after it would outlive it.
    if (command.kind === 'choose' || command.kind === 'skip') window.clearTimeout(draftTimer.current);
    switch (command.kind) {
      case 'choose':
        session?.act('label', command.choice, extrasNow);
        setRationaleOpen(false);
        return;
      case 'skip':
        session?.act('skip', undefined, extrasNow);
        setRationaleOpen(false);
        return;
      case 'undo':
        session?.undo();
        return;
      case 'rationale':
        setRationaleOpen(true);
        setRationaleFocus((n) => n + 1);
        return;
      case 'confidence':
        setExtras({ ...extras, confidence: nextConfidence(extras.confidence) });
        return;
      case 'diff':
        setShowDiff((on) => !on);
        return;
      case 'guidelines':
        setShowGuidelines((on) => !on);
        return;
      case 'help':
        setShowHelp((on) => !on);
        return;
    }
  };
  // The window listener is registered once; it reads the latest render's state through this ref.
  const runRef = useRef(run);
  runRef.current = run;
  const helpRef = useRef(showHelp);
  helpRef.current = showHelp;

  useEffect(() => {
    // Capture phase: the labeler's keys win over the studio's global shortcuts (t, ?, J) while it is open.
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector('dialog[open]')) return;
      if (typingIn(e.target)) {
        if (e.key === 'Escape' && e.target === rationaleRef.current) {
          e.preventDefault();
          rootRef.current?.focus();
        }
        return;
      }
      if (e.key === 'Escape' && helpRef.current) {
        e.preventDefault();
        setShowHelp(false);
        return;
      }
      // "g d" goes to Datasets: the second key of a sequence is the global shortcut's.
      if (shortcutSequencePending()) return;
      const command = labelerCommand(e);
      if (!command || e.repeat) return;
      e.preventDefault();
      e.stopPropagation();
      runRef.current(command);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const savedText = view.pending > 0 ? 'Saving…' : (view.lastSaved ?? 'Nothing labeled yet in this session');
  return (
    <div
      ref={rootRef}
      tabIndex={-1}
      className="space-y-3 focus:outline-none"
      data-testid="labeler"
      aria-label="Labeler"
      data-item-id={item?.id ?? ''}
      data-phase={view.phase}
      data-next-ready={view.ready}
    >
      <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm">
        <span className="text-zinc-500">
          Labeling as <span className="font-medium text-zinc-800 dark:text-zinc-100">{annotatorName}</span>
        </span>
        {item && (
          <>
            <span className="tabular-nums" data-testid="labeler-position">
              Pair {item.position + 1} of {queue.total}
            </span>
            <span className="text-zinc-500 tabular-nums" data-testid="labeler-remaining">
              {item.remaining} open for you
            </span>
            {item.reopened && <Badge tone="amber">reopened by undo</Badge>}
          </>
        )}
        <span
          className={`ml-auto text-xs ${view.pending === 0 && view.lastSaved ? 'text-emerald-700 dark:text-emerald-400' : 'text-zinc-500'}`}
          role="status"
          data-testid="labeler-saved"
          data-pending={view.pending}
          data-acknowledged={view.acknowledged}
        >
          {view.pending === 0 && view.lastSaved && '✓ '}
          {savedText}
        </span>
        <Button variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => setShowHelp((on) => !on)} data-testid="keymap-button">
          Keys <KeyHint keys="?" />
        </Button>
      </div>
      {view.error && (
        <div
          role="alert"
          className="rounded-lg border border-rose-300 bg-rose-50 p-3 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100"
        >
          {view.error}
        </div>
      )}
      <div className={`grid gap-4 ${showGuidelines ? 'grid-cols-[minmax(0,1fr)_18rem]' : 'grid-cols-1'}`}>
        <div className="min-w-0 space-y-3">
          {view.phase === 'loading' && !item && <EmptyState testId="labeler-loading">Loading the next pair…</EmptyState>}
          {view.phase === 'done' && (
            <div className={`${cardClass} space-y-2 p-6`} data-testid="labeler-done">
              <p className="font-medium">Nothing left for you in this queue.</p>
              {queue.prompts && queue.prompts.filled < queue.prompts.total && (
                <EmptyState>
                  {queue.prompts.total - queue.prompts.filled} of its {queue.prompts.total} prompts have no candidates yet: generate them
                  (studio generate-candidates) and their pairs appear here.
                </EmptyState>
              )}
              <EmptyState>
                Every pair is labeled by you or by enough annotators (overlap {queue.overlap}). Press <KeyHint keys="U" /> to undo your last
                label, or see the Stats tab.
              </EmptyState>
            </div>
          )}
          {item && (
            <>
              <PromptView item={item} />
              <div className="grid grid-cols-2 gap-3">
                <ResponsePane side="left" messages={item.left} segments={diff?.left ?? null} />
                <ResponsePane side="right" messages={item.right} segments={diff?.right ?? null} />
              </div>
              <div className="flex flex-wrap items-center gap-2">
                {ACTION_BUTTONS.map((b) => (
                  <Button key={b.testId} onClick={() => run(b.command)} data-testid={b.testId}>
                    <KeyHint keys={b.keys} />
                    {b.label}
                  </Button>
                ))}
                <span className="ml-auto flex items-center gap-3 text-xs text-zinc-500">
                  <button type="button" onClick={() => run({ kind: 'confidence' })} data-testid="labeler-confidence">
                    <KeyHint keys="C" />
                    confidence: <span className="font-medium text-zinc-800 dark:text-zinc-100">{extras.confidence ?? '–'}</span> / 3
                  </button>
                  <button type="button" onClick={() => run({ kind: 'diff' })} aria-pressed={showDiff} data-testid="labeler-diff-toggle">
                    <KeyHint keys="D" />
                    diff {showDiff ? `on · ${diff?.changedWords ?? 0} words differ` : 'off'}
                  </button>
                  <button type="button" onClick={() => run({ kind: 'guidelines' })} aria-pressed={showGuidelines}>
                    <KeyHint keys="H" />
                    guidelines
                  </button>
                </span>
              </div>
              {(rationaleOpen || extras.rationale) && (
                <label className="block text-xs text-zinc-500">
                  Rationale (saved with the label; <KeyHint keys="Esc" /> returns to the keys)
                  <textarea
                    ref={rationaleRef}
                    className={`${inputClass} mt-1 block w-full`}
                    rows={3}
                    value={extras.rationale}
                    onChange={(e) => typeRationale(e.target.value)}
                    data-testid="labeler-rationale"
                  />
                </label>
              )}
            </>
          )}
        </div>
        {showGuidelines && (
          <aside
            className={`${cardClass} max-h-[75vh] self-start overflow-y-auto p-4`}
            aria-label="Guidelines"
            data-testid="labeler-guidelines"
          >
            <div className="mb-2 flex items-center justify-between">
              <h2 className="text-sm font-semibold">Guidelines</h2>
              <Button
                variant="ghost"
                className="!px-2 !py-0.5 text-xs"
                onClick={() => setShowGuidelines(false)}
                aria-label="Hide guidelines"
              >
                Hide <KeyHint keys="H" />
              </Button>
            </div>
            {queue.guidelines.trim() ? guidelines : <EmptyState>This queue has no guidelines.</EmptyState>}
          </aside>
        )}
      </div>
      {showHelp && <KeyMap onClose={() => setShowHelp(false)} />}
    </div>
  );
}
