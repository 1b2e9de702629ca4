/**
 * `node:path` for the GPU worker page: the few functions the engine uses, by
 * the host's rules (POSIX, or Windows with drive letters and either slash),
 * so the paths it builds are the ones a Node worker on that machine builds.
 */
import { host } from './host';

const win = () => host.platform === 'win32';
const sepOf = () => (win() ? '\\' : '/');
const isSep = (c: string) => c === '/' || (win() && c === '\\');

function rootOf(p: string): string {
  if (win()) {
    const drive = /^[A-Za-z]:[\\/]/.exec(p);
    if (drive) return `${drive[0].slice(0, 2)}\\`;
  }
  return p.length > 0 && isSep(p[0]!) ? sepOf() : '';
}

export function normalize(p: string): string {
  const root = rootOf(p);
  const parts: string[] = [];
  for (const part of p.slice(root.length).split(win() ? /[\\/]/ : '/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else if (part !== '..' || !root) parts.push(part);
  }
  return root + parts.join(sepOf()) || '.';
}

export const isAbsolute = (p: string): boolean => rootOf(p) !== '';
export const join = (...parts: string[]): string => normalize(parts.filter((p) => p !== '').join(sepOf()));

/** Paths in the page are absolute (the host hands out absolute folders): resolve only normalizes them. */
export function resolve(...parts: string[]): string {
  let out = '';
  for (const p of parts) out = isAbsolute(p) ? p : out ? `${out}${sepOf()}${p}` : p;
  return normalize(out);
}

export function dirname(p: string): string {
  const n = normalize(p);
  const root = rootOf(n);
  const i = Math.max(n.lastIndexOf('/'), win() ? n.lastIndexOf('\\') : -1);
  if (i < root.length) return root || '.';
  return n.slice(0, i);
}

export function basename(p: string, ext?: string): string {
  const n = normalize(p);
  const base = n.slice(Math.max(n.lastIndexOf('/'), win() ? n.lastIndexOf('\\') : -1) + 1);
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export default {
  normalize,
  isAbsolute,
  join,
  resolve,
  dirname,
  basename,
  get sep() {
    return sepOf();
  },
};
