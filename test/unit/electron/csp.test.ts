import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../main/server/security';

const indexHtml = readFileSync(new URL('../../../renderer/index.html', import.meta.url), 'utf8');

describe('Content-Security-Policy', () => {
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(indexHtml)?.[1];

  it('is set in the renderer page (Electron loads it from file://)', () => {
    expect(meta).toBeDefined();
  });

  it('matches the serve-mode header, except frame-ancestors which a meta tag cannot carry', () => {
    const header = CONTENT_SECURITY_POLICY.split('; ').filter((d) => !d.startsWith('frame-ancestors'));
    expect(meta!.split('; ')).toEqual(header);
  });

  it('allows no inline or evaluated scripts and no remote hosts', () => {
    const script = CONTENT_SECURITY_POLICY.split('; ').find((d) => d.startsWith('script-src'));
    expect(script).toBe("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});
