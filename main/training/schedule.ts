/**
 * Learning-rate schedules, as transformers' get_{constant,linear,cosine}_schedule_with_warmup:
 * linear warmup from 0 over ceil(warmupRatio × total) steps, then constant,
 * linear decay to 0, or half-cosine decay to 0 at the last step.
 */
import type { ScheduleConfig } from '../../shared/training';

export function warmupSteps(totalSteps: number, warmupRatio: number): number {
  return Math.ceil(totalSteps * warmupRatio);
}

/**
 * The learning rate for the optimizer step with 0-based index `step`.
 * @param peak the configured (peak) learning rate
 */
export function lrAt(step: number, totalSteps: number, schedule: ScheduleConfig, peak: number): number {
  const warmup = warmupSteps(totalSteps, schedule.warmupRatio);
  if (step < warmup) return (peak * step) / warmup;
  if (schedule.kind === 'constant') return peak;
  const decaySteps = Math.max(1, totalSteps - warmup);
  const progress = Math.min(1, (step - warmup) / decaySteps);
  if (schedule.kind === 'linear') return peak * (1 - progress);
  return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
}
