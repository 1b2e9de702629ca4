import type { LabelItem, ScreenChoice } from '../../../../shared/labeling';
import type { ApiClient } from '../../api/client';

export interface SessionView {
  /** The pair on screen; null while loading or when the queue is done for this annotator. */
  current: LabelItem | null;
  phase: 'loading' | 'ready' | 'done';
  /** Writes sent and not yet answered. */
  pending: number;
  /** Events the backend acknowledged in this session (labels, skips, undos). */
  acknowledged: number;
  /** The last acknowledged event, said in words ("Saved: left better on pair 12"). */
  lastSaved: string | null;
  /** The last failure, said in words; the pair it concerned is back on screen. */
  error: string | null;
  /** Whether the pair after the one on screen has been fetched (a key press then shows it at once). */
  ready: boolean;
}

export interface LabelExtras {
  rationale?: string | undefined;
  confidence?: number | undefined;
}

const CHOICE_WORDS: Record<ScreenChoice, string> = {
  left: 'left better',
  right: 'right better',
  tie: 'tie',
  both_bad: 'both bad',
};

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One annotator's labeling session on one queue. Keeps the next pair on
 * screen fast: the pair after the one shown is prefetched (`labeling.next`
 * passing over the shown pair and those being saved), so a key press shows it
 * at once while the write goes out. Writes go one at a time, in key order;
 * nothing counts as saved until the backend answers, and a failed write puts
 * its pair back on screen. A key press with no prefetched pair yet leaves the
 * screen waiting for the write's answer, whose next pair it then shows.
 */
export class LabelSession {
  private view: SessionView = { current: null, phase: 'loading', pending: 0, acknowledged: 0, lastSaved: null, error: null, ready: false };
  private readonly listeners = new Set<() => void>();
  private shownAt = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<number>();
  /** The pair after `prefetchedFor` (null: none left), once fetched. */
  private prefetched: { forId: number; next: LabelItem | null } | null = null;
  private closed = false;
  /** While an undo is on its way the screen is about to change: keys that label wait for it. */
  private undoing = false;

  constructor(
    private readonly api: ApiClient,
    private readonly queueId: number,
    private readonly annotatorId: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get = (): SessionView => this.view;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(patch: Partial<SessionView>): void {
    if (this.closed) return;
    this.view = { ...this.view, ...patch };
    for (const l of this.listeners) l();
  }

  private show(item: LabelItem | null): void {
    this.shownAt = this.now();
    this.set({ current: item, phase: item ? 'ready' : 'done', ready: false });
    this.prefetch();
  }

  async start(): Promise<void> {
    try {
      this.show(await this.api.call('labeling.next', { queueId: this.queueId, annotatorId: this.annotatorId }));
    } catch (err) {
      this.set({ error: errorText(err) });
    }
  }

  close(): void {
    this.closed = true;
  }

  private prefetch(): void {
    const current = this.view.current;
    this.prefetched = null;
    if (!current) return;
    const exclude = [current.id, ...this.inFlight];
    this.api.call('labeling.next', { queueId: this.queueId, annotatorId: this.annotatorId, exclude }).then(
      (next) => {
        if (this.view.current?.id !== current.id) return;
        this.prefetched = { forId: current.id, next };
        this.set({ ready: true });
      },
      () => {
        // No prefetch: the key press then waits for the write's own answer.
      },
    );
  }

  /** Label (or skip) the pair on screen: the prefetched pair shows at once, the write follows. */
  act(action: 'label' | 'skip', choice: ScreenChoice | undefined, extras: LabelExtras = {}): void {
    const item = this.view.current;
    if (!item || this.view.phase !== 'ready' || this.undoing) return;
    const msOnScreen = Math.max(0, Math.round(this.now() - this.shownAt));
    this.inFlight.add(item.id);
    const ahead = this.prefetched?.forId === item.id ? this.prefetched : null;
    this.set({ pending: this.view.pending + 1, error: null });
    if (ahead) this.show(ahead.next);
    else {
      this.prefetched = null;
      this.set({ current: null, phase: 'loading' });
    }
    this.enqueue(async () => {
      try {
        const { next } = await this.api.call('labeling.record', {
          queueId: this.queueId,
          annotatorId: this.annotatorId,
          action,
          itemId: item.id,
          ...(choice ? { choice } : {}),
          ...(extras.rationale?.trim() ? { rationale: extras.rationale } : {}),
          ...(extras.confidence ? { confidence: extras.confidence } : {}),
          msOnScreen,
        });
        this.inFlight.delete(item.id);
        const pending = this.view.pending - 1;
        this.set({
          pending,
          acknowledged: this.view.acknowledged + 1,
          lastSaved: `${action === 'skip' ? 'Skipped' : `Saved: ${CHOICE_WORDS[choice!]}`} on pair ${item.position + 1}`,
        });
        // Only a screen left waiting (no prefetch came) takes the answer's pair. A prefetched pair on screen stays: it is open, and
        // swapping it under the annotator's eyes would cost more than the pair the backend preferred (a swap re-serve that came
        // due with this label), which it serves again on the next answer.
        if (pending === 0 && this.view.current === null) this.show(next);
      } catch (err) {
        this.inFlight.delete(item.id);
        this.set({
          pending: this.view.pending - 1,
          error: `Pair ${item.position + 1} was not saved: ${errorText(err)} It is back on screen.`,
        });
        this.show(item);
      }
    });
  }

  /** Undo the latest standing label of this annotator (after every write before it) and show the pair it reopens. */
  undo(): void {
    if (this.undoing) return;
    this.undoing = true;
    this.set({ pending: this.view.pending + 1, error: null });
    this.enqueue(async () => {
      try {
        const { event, next } = await this.api.call('labeling.record', {
          queueId: this.queueId,
          annotatorId: this.annotatorId,
          action: 'undo',
        });
        this.set({
          pending: this.view.pending - 1,
          acknowledged: this.view.acknowledged + 1,
          lastSaved: `Undone: the label on ${next?.id === event.itemId ? `pair ${next.position + 1}` : 'its pair'} is cleared`,
        });
        this.show(next);
      } catch (err) {
        this.set({ pending: this.view.pending - 1, error: `Nothing undone: ${errorText(err)}` });
      } finally {
        this.undoing = false;
      }
    });
  }

  private enqueue(write: () => Promise<void>): void {
    this.writes = this.writes.then(write);
  }
}
