/**
 * The GPU worker page's file access, served by the host: a sandboxed page has
 * no file system, so each fs call of the engine and trainer comes over the
 * bridge as a FileRequest. A request is answered only inside the folders of
 * the job the page runs (read: the model; read and write: the run's folder
 * and the reference cache) — a compromised page can reach nothing else.
 */
import { promises as fs } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { TrainPayload } from '../core/runs/train-protocol';
import type { DirEntry, FileReply, FileRequest, FileStat } from './protocol';

/** Job kinds whose worker runs in the GPU host (see docs/decisions/0002-gpu-engine-in-hidden-renderer.md). */
export const GPU_JOB_KINDS: ReadonlySet<string> = new Set(['train']);

export class FileAccessDenied extends Error {
  readonly code = 'EACCES';
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Folders a job may read and write. Containment is checked on the resolved
 * path, not the real one: a model folder of symlinks (the Hugging Face cache's
 * snapshots point into its blobs) is the user's own and is followed.
 */
export class FileAccess {
  private readonly read: string[];
  private readonly write: string[];

  constructor(roots: { read: string[]; write: string[] }) {
    this.write = roots.write.map((p) => resolve(p));
    this.read = [...roots.read.map((p) => resolve(p)), ...this.write];
  }

  /** The resolved path when the job may use it so, else a FileAccessDenied naming the path. */
  check(path: unknown, mode: 'read' | 'write'): string {
    if (typeof path !== 'string' || path === '' || !isAbsolute(path)) {
      throw new FileAccessDenied(`The GPU worker asked for ${JSON.stringify(path)}: only absolute paths are served.`);
    }
    const resolved = resolve(path);
    const roots = mode === 'write' ? this.write : this.read;
    if (!roots.some((root) => inside(root, resolved))) {
      throw new FileAccessDenied(
        `The GPU worker may not ${mode} ${resolved}: it is outside this job's folders (${roots.join(', ') || 'none'}).`,
      );
    }
    return resolved;
  }

  /** Answers one request; a failure comes back as its Node error code and message, never thrown. */
  async serve(request: FileRequest): Promise<FileReply> {
    try {
      return { ok: true, value: await this.perform(request) };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { ok: false, error: { code: e.code ?? 'EIO', message: e.message } };
    }
  }

  private async perform(request: FileRequest): Promise<Uint8Array | FileStat | DirEntry[] | null> {
    switch (request.op) {
      case 'read': {
        const path = this.check(request.path, 'read');
        if (request.position === undefined && request.length === undefined) return new Uint8Array(await fs.readFile(path));
        const handle = await fs.open(path, 'r');
        try {
          const position = request.position ?? 0;
          // Never more than the file holds: IPC copies a view's whole buffer, not just the bytes read.
          const length = Math.max(0, Math.min(request.length ?? Infinity, (await handle.stat()).size - position));
          const buffer = new Uint8Array(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          return bytesRead === length ? buffer : buffer.slice(0, bytesRead);
        } finally {
          await handle.close();
        }
      }
      case 'stat': {
        const s = await fs.stat(this.check(request.path, 'read'));
        return { size: s.size, isFile: s.isFile(), isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs } satisfies FileStat;
      }
      case 'readdir': {
        const entries = await fs.readdir(this.check(request.path, 'read'), { withFileTypes: true });
        return entries.map((e) => ({ name: e.name, isFile: e.isFile(), isDirectory: e.isDirectory() }) satisfies DirEntry);
      }
      case 'write': {
        const path = this.check(request.path, 'write');
        if (!(request.data instanceof Uint8Array)) throw new TypeError(`The GPU worker sent no bytes to write to ${path}.`);
        await (request.append ? fs.appendFile(path, request.data) : fs.writeFile(path, request.data));
        return null;
      }
      case 'mkdir':
        await fs.mkdir(this.check(request.path, 'write'), { recursive: request.recursive === true });
        return null;
      case 'rename':
        await fs.rename(this.check(request.from, 'write'), this.check(request.to, 'write'));
        return null;
      case 'rm':
        await fs.rm(this.check(request.path, 'write'), { recursive: request.recursive === true, force: request.force === true });
        return null;
      case 'copy':
        await fs.copyFile(this.check(request.from, 'read'), this.check(request.to, 'write'));
        return null;
      default:
        throw new TypeError(`The GPU worker asked for an unknown file operation ${JSON.stringify((request as { op: unknown }).op)}.`);
    }
  }
}

/**
 * The folders a GPU job may use, from the payload the supervisor sends it;
 * a kind the GPU host does not run, or a payload that is not that kind's,
 * gets an error saying so.
 */
export function accessForJob(kind: string, payload: unknown): FileAccess {
  if (kind !== 'train') throw new Error(`The GPU host does not run "${kind}" jobs (it runs ${[...GPU_JOB_KINDS].join(', ')}).`);
  const parsed = TrainPayload.safeParse(payload);
  if (!parsed.success) throw new Error(`Invalid payload for a train job in the GPU host: ${parsed.error.message}`);
  const { config, dir, referenceDir } = parsed.data;
  const model = config.model.kind === 'folder' ? config.model.path : config.model.tokenizerDir;
  return new FileAccess({ read: [model], write: [dir, referenceDir] });
}
