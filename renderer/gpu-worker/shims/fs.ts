/**
 * `node:fs` for the engine in the GPU worker page: each call the engine and
 * trainer make (fs.promises, a read stream, the handles safetensors opens) is
 * a request over the bridge, answered by the host inside the job's folders.
 * The bytes are the same as a Node worker reads and writes: numerics are
 * untouched. The synchronous calls (stale temp clean-up) cannot cross an
 * asynchronous bridge: they report an empty folder, and the host cleans up
 * before the job starts instead.
 */
import type { DirEntry, FileRequest, FileStat } from '../../../main/gpu-host/protocol';
import { bridge } from './host';

type Bytes = Uint8Array;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

class FsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request(req: FileRequest): Promise<unknown> {
  const reply = await bridge().file(req);
  if (!reply.ok) throw new FsError(reply.error.code, reply.error.message);
  return reply.value;
}

function toBytes(data: string | ArrayBufferView): Bytes {
  if (typeof data === 'string') return encoder.encode(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function asStats(s: FileStat) {
  return { size: s.size, mtimeMs: s.mtimeMs, isFile: () => s.isFile, isDirectory: () => s.isDirectory };
}

function encodingOf(options: unknown): string | undefined {
  return typeof options === 'string' ? options : ((options as { encoding?: string } | undefined)?.encoding ?? undefined);
}

async function readFile(path: string, options?: unknown): Promise<Bytes | string> {
  const bytes = (await request({ op: 'read', path })) as Bytes;
  return encodingOf(options) ? decoder.decode(bytes) : bytes;
}

async function readdir(path: string, options?: { withFileTypes?: boolean }) {
  const entries = (await request({ op: 'readdir', path })) as DirEntry[];
  if (!options?.withFileTypes) return entries.map((e) => e.name);
  return entries.map((e) => ({ name: e.name, isFile: () => e.isFile, isDirectory: () => e.isDirectory }));
}

/** A file handle: reads by range; writes append to the file `open(…, 'w')` emptied. */
async function open(path: string, flags = 'r') {
  if (flags === 'w') await request({ op: 'write', path, data: new Uint8Array(0) });
  else if (flags !== 'r') throw new FsError('EINVAL', `The GPU worker opens files only to read or write (not "${flags}"): ${path}`);
  return {
    stat: async () => asStats((await request({ op: 'stat', path })) as FileStat),
    read: async (buffer: Bytes, offset: number, length: number, position: number) => {
      const got = (await request({ op: 'read', path, position, length })) as Bytes;
      buffer.set(got, offset);
      return { bytesRead: got.length, buffer };
    },
    write: async (data: string | ArrayBufferView) => {
      const bytes = toBytes(data);
      await request({ op: 'write', path, data: bytes, append: true });
      return { bytesWritten: bytes.length };
    },
    sync: async () => {},
    close: async () => {},
  };
}

export const promises = {
  readFile,
  readdir,
  open,
  stat: async (path: string) => asStats((await request({ op: 'stat', path })) as FileStat),
  writeFile: async (path: string, data: string | ArrayBufferView) => {
    await request({ op: 'write', path, data: toBytes(data) });
  },
  appendFile: async (path: string, data: string | ArrayBufferView) => {
    await request({ op: 'write', path, data: toBytes(data), append: true });
  },
  mkdir: async (path: string, options?: { recursive?: boolean }) => {
    await request({ op: 'mkdir', path, recursive: options?.recursive === true });
  },
  rename: async (from: string, to: string) => {
    await request({ op: 'rename', from, to });
  },
  rm: async (path: string, options?: { recursive?: boolean; force?: boolean }) => {
    await request({ op: 'rm', path, recursive: options?.recursive === true, force: options?.force === true });
  },
  copyFile: async (from: string, to: string) => {
    await request({ op: 'copy', from, to });
  },
};

const CHUNK = 8 * 1024 * 1024;

/** A read stream as `for await` sees it: the file in chunks. */
export function createReadStream(path: string): AsyncIterable<Bytes> {
  return {
    async *[Symbol.asyncIterator]() {
      for (let position = 0; ; position += CHUNK) {
        const chunk = (await request({ op: 'read', path, position, length: CHUNK })) as Bytes;
        if (chunk.length > 0) yield chunk;
        if (chunk.length < CHUNK) return;
      }
    },
  };
}

function noSync(name: string): never {
  throw new FsError('ENOTSUP', `fs.${name} cannot run in the GPU worker page (its file access is asynchronous).`);
}
export const readdirSync = (): never => noSync('readdirSync');
export const readFileSync = (): never => noSync('readFileSync');
export const rmSync = (): never => noSync('rmSync');
export const existsSync = (): never => noSync('existsSync');

export default { promises, createReadStream, readdirSync, readFileSync, rmSync, existsSync };
