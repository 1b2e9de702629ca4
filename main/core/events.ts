import type { StudioEvent } from '../../shared/events';

export type EventListener = (event: StudioEvent) => void;

/** Fan-out of server-to-UI events to every connected transport. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: StudioEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // One broken subscriber (a closed socket) must not starve the others.
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
