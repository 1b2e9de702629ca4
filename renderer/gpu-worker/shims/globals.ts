/**
 * Node globals the engine's modules name (injected by the page's bundle in
 * place of the free identifiers `process`, `Buffer` and `setImmediate`):
 * only what they use. `process.versions` has no `node`, so tfjs and the
 * tokenizer still know they run in a browser.
 */
import { host } from './host';

export const process = {
  get pid() {
    return host.pid;
  },
  get platform() {
    return host.platform;
  },
  env: {} as Record<string, string | undefined>,
  versions: {} as Record<string, string>,
  /** Whether a temp file's writer still runs cannot be known from the page: say it does, so nothing is removed. */
  kill() {
    return true;
  },
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Bytes with the Buffer methods the safetensors reader and writer call. */
class BufferBytes extends Uint8Array {
  private view(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }
  readBigUInt64LE(offset = 0): bigint {
    return this.view().getBigUint64(offset, true);
  }
  writeBigUInt64LE(value: bigint, offset = 0): number {
    this.view().setBigUint64(offset, value, true);
    return offset + 8;
  }
  override toString(): string {
    return decoder.decode(this);
  }
}

/** The Buffer functions the engine calls (UTF-8 only). */
export const Buffer = {
  alloc: (size: number): BufferBytes => new BufferBytes(size),
  from(text: string): BufferBytes {
    const bytes = encoder.encode(text);
    const out = new BufferBytes(bytes.length);
    out.set(bytes);
    return out;
  },
  byteLength: (text: string): number => encoder.encode(text).length,
};

/** A macrotask, as Node's: a MessageChannel is not throttled as a timer is. */
export function setImmediate(callback: () => void): void {
  const channel = new MessageChannel();
  (channel.port1 as unknown as { onmessage: (() => void) | null }).onmessage = () => {
    channel.port1.close();
    callback();
  };
  channel.port2.postMessage(null);
}
