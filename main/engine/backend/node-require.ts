// A require() for resolving packages from this code, in ESM (tsx, vitest) and
// in a CommonJS bundle alike (where import.meta.url is empty, __filename set).
import { createRequire } from 'node:module';

export function localRequire(): NodeRequire {
  return createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
}
