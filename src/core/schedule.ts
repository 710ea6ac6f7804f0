/**
 * Cosine learning-rate schedule (no restarts), per optimisation step:
 * lr(t) = minLr + (baseLr - minLr) * (1 + cos(pi * t / total)) / 2, t = 0 .. total - 1.
 * With `warmupSteps` > 0 the first steps ramp linearly from baseLr / warmupSteps to baseLr.
 */
export interface CosineSchedule {
  baseLr: number;
  totalSteps: number;
  minLr?: number;
  warmupSteps?: number;
}

export function cosineLr(schedule: CosineSchedule, step: number): number {
  const { baseLr, totalSteps } = schedule;
  const minLr = schedule.minLr ?? 0;
  const warmup = schedule.warmupSteps ?? 0;
  if (!(totalSteps > 0)) throw new Error(`cosine schedule needs totalSteps > 0, got ${totalSteps}`);
  if (step < warmup) return (baseLr * (step + 1)) / warmup;
  const t = Math.min(Math.max(step - warmup, 0), Math.max(totalSteps - warmup, 1));
  const span = Math.max(totalSteps - warmup, 1);
  return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / span))) / 2;
}
