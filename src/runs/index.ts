/** Run folders: checksums of what they hold (integrity) and the one-writer lock (lock). */
export {
  checksumSidecarPath,
  digestOf,
  formatChecksumSidecar,
  parseChecksumSidecar,
  readVerifiedFile,
  sha256Hex,
  verifyDigest,
} from './integrity';
export type { FileDigest } from './integrity';
export { acquireRunLock, DEFAULT_STALE_MS, readRunLock, runLockPath, RunLockedError } from './lock';
export type { ReleaseRunLock, RunLockInfo, RunLockOptions } from './lock';
export {
  latestVerifiedCheckpoint,
  readTableText,
  verifyCheckpoint,
  writeTableAtomic,
} from './folder';
export { BadInputError, CorruptFileError } from '../errors';
export {
  RUN_SCHEMA,
  assertResumable,
  defaultSeeds,
  fillSeed,
  normalizeRunConfig,
  prepareRunFolder,
  readRunConfig,
} from './config';
export type { RunConfig, RunConfigInput, RunSeeds } from './config';
