/**
 * Cosine learning-rate schedule (no restarts), per optimisation step:
 * lr(t) = minLr + (baseLr - minLr) * (1 + cos(pi * t / total)) / 2, t = 0 .. total - 1.
 */
export interface CosineSchedule {
  baseLr: number;
  totalSteps: number;
  minLr?: number;
}

export function cosineLr(schedule: CosineSchedule, step: number): number {
  const { baseLr, totalSteps } = schedule;
  const minLr = schedule.minLr ?? 0;
  if (!(totalSteps > 0)) throw new Error(`cosine schedule needs totalSteps > 0, got ${totalSteps}`);
  const span = Math.max(totalSteps, 1);
  const t = Math.min(Math.max(step, 0), span);
  return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / span))) / 2;
}
