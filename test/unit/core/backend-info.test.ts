import { describe, expect, it } from 'vitest';
import { detectBackend } from '../../../main/core/backend-info';

describe('the backend the studio will use, named before any worker starts', () => {
  it('is the one STUDIO_BACKEND names, under the names the estimate and header use', () => {
    expect(detectBackend({ STUDIO_BACKEND: 'cpu' })).toEqual({ name: 'cpu', detail: 'plain JavaScript, as STUDIO_BACKEND=cpu asks' });
    expect(detectBackend({ STUDIO_BACKEND: ' WASM ' }).name).toBe('wasm');
    expect(detectBackend({ STUDIO_BACKEND: 'node' }).name).toBe('tensorflow');
    expect(detectBackend({ STUDIO_BACKEND: 'node-gpu' }).name).toBe('tensorflow-gpu');
  });

  it('otherwise the first installed of the engine order (wasm is a dependency, so never plain JS here)', () => {
    const auto = detectBackend({});
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(auto.name);
    expect(detectBackend({ STUDIO_BACKEND: 'auto' })).toEqual(auto);
  });
});
