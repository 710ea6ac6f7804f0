/**
 * Sweeps: experiment grids as jobs (spec.ts, grid.ts) over one storage root (storage.ts), run
 * by local worker processes (local.ts) or by workers on any machine through a BullMQ queue on
 * Redis (queue.ts), each job one `supernet-lab` command in a child process (execute.ts); status,
 * result tables and compute estimates (status.ts, collect.ts, estimate.ts).
 */
export * from './spec';
export * from './storage';
export { planGrid, expandGrid, readGridFile } from './grid';
export { runJob, type JobOutcome, type RunJobOptions } from './execute';
export { runLocal, type LocalRunOptions, type LocalRunSummary } from './local';
export {
  QUEUE_NAME,
  checkPayload,
  connectQueue,
  redisOptions,
  retryParked,
  safeUrl,
  startWorker,
  submitJobs,
  type JobPayload,
  type SubmitSummary,
  type SweepWorker,
} from './queue';
export { sweepStatus, formatStatus, type SweepStatus } from './status';
export { collectTables, writeTables, type SweepTables } from './collect';
export { estimateSweep, formatEstimate, defaultBenchFile, type SweepEstimate } from './estimate';
