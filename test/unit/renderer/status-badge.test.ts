import { describe, expect, it } from 'vitest';
import { jobBadgeStatus } from '../../../renderer/src/lib/format';

describe('job status badge', () => {
  it('shows a job stopped by a pause as paused, and other stops as they are', () => {
    expect(jobBadgeStatus({ status: 'paused' })).toBe('paused');
    expect(jobBadgeStatus({ status: 'cancelled' })).toBe('cancelled');
    expect(jobBadgeStatus({ status: 'interrupted' })).toBe('interrupted');
    expect(jobBadgeStatus({ status: 'running' })).toBe('running');
  });
});
