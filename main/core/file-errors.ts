import { StudioError } from '../../shared/result';

/** Why a path the user gave cannot be read or written, by Node's error code. */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'it is a loop of symbolic links',
  // mkdir -p answers EEXIST when a part of the folder path is a file.
  EEXIST: 'a part of its folder path is a file, not a folder',
  ENOTDIR: 'a part of its folder path is a file, not a folder',
};

/**
 * A file-system failure on a path the user chose (a file to import, where to
 * write an export) as the studio error it is — the path and the reason in
 * words, with a code — so transports report it as the user's to fix rather
 * than as an internal error. Anything else (a full disk, an I/O error) is
 * returned unchanged.
 */
export function fileError(err: unknown, path: string, action: 'read' | 'write'): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string') return err;
  if (action === 'read' && (code === 'ENOENT' || code === 'ENOTDIR')) return new StudioError('NOT_FOUND', `No file at ${path}.`);
  if (code === 'EISDIR') return new StudioError('INVALID_ARGUMENT', `${path} is a folder, not a file.`);
  const reason = REASONS[code];
  return reason ? new StudioError('INVALID_ARGUMENT', `Cannot ${action} ${path}: ${reason}.`, { path, errno: code }) : err;
}
