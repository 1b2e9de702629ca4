import { describe, expect, it } from 'vitest';
import { jobBadgeStatus } from '../../../renderer/src/lib/format';

describe('job status badge', () => {
  it('shows a job stopped by a pause as paused, and other stops as they are', () => {
    expect(jobBadgeStatus({ status: 'paused', error: { code: 'PAUSED', message: 'Paused at step 3 of 30.' } })).toBe('paused');
    expect(jobBadgeStatus({ status: 'cancelled', error: { code: 'CANCELLED', message: 'Cancelled.' } })).toBe('cancelled');
    expect(jobBadgeStatus({ status: 'interrupted', error: null })).toBe('interrupted');
    expect(jobBadgeStatus({ status: 'running', error: null })).toBe('running');
  });
});
