/**
 * Scale tiers of a `search` run (see DESIGN.md): smoke = well under a minute on 2 CPU cores (CI),
 * laptop = minutes per method on a CPU, paper = the seed's NAS-Bench-201 setting (GAEA's
 * reference code: 25 search epochs, batch 64, C = 16 with 5 cells per stage, the full training
 * set split in halves; architecture step 0.1 for GAEA, DARTS' Adam defaults) — a GPU job.
 *
 * Images come from the shared split of src/train (search-train half / held-out half of the
 * official training set, fixed split seed), so search, supernet and ground-truth runs of a
 * dataset see the same validation images.
 */
import type { Scale } from '../core/scale';

export type SearchScale = Scale;

export interface SearchScaleSettings {
  /** Search epochs (passes over the weights' training data). */
  epochs: number;
  batchSize: number;
  /** C of the NB-201 skeleton (then 2C, 4C). */
  channels: number;
  /** N: cells per stage. */
  cellsPerStage: number;
  /** Images of the search-train half that train the weights (null = all). */
  trainImages: number | null;
  /** Images of the held-out half: the bilevel architecture objective, RS-WS scores (null = all). */
  validImages: number | null;
  /** RS-WS: distinct cells sampled uniformly and scored on the trained supernet. */
  rswsSamples: number;
  /** RS-WS scoring: BN recalibration with B batches of S search-train images. */
  calibrationBatches: number;
  calibrationBatchSize: number;
}

export const SEARCH_SCALE_SETTINGS: Readonly<Record<SearchScale, Readonly<SearchScaleSettings>>> =
  Object.freeze({
    smoke: Object.freeze({
      epochs: 2,
      batchSize: 16,
      channels: 4,
      cellsPerStage: 1,
      trainImages: 128,
      validImages: 128,
      rswsSamples: 6,
      calibrationBatches: 2,
      calibrationBatchSize: 64,
    }),
    laptop: Object.freeze({
      epochs: 10,
      batchSize: 64,
      channels: 8,
      cellsPerStage: 1,
      trainImages: 2560,
      validImages: 2560,
      rswsSamples: 50,
      calibrationBatches: 4,
      calibrationBatchSize: 250,
    }),
    paper: Object.freeze({
      epochs: 25,
      batchSize: 64,
      channels: 16,
      cellsPerStage: 5,
      trainImages: null,
      validImages: null,
      rswsSamples: 100,
      calibrationBatches: 25,
      calibrationBatchSize: 400,
    }),
  });
