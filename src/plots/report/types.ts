import type { ColumnTable } from 'arquero';
import type { NoiseCeiling } from '../../analysis/ceiling';
import type { Provenance, SourceRef } from '../../analysis/provenance';
import type { PlotlyFigure } from '../types';

/** Ground truth for a supernet run: which table and which columns mean what. */
export interface GroundTruthSource {
  /** One row per architecture, with an `arch` column. */
  table: ColumnTable;
  /** Column used to pick the winner among the top k (validation ground truth). */
  valid: string;
  /** Column reported (test ground truth, %). */
  test: string;
  /** Parameter-count column, when known (size bias, mutual correlation 'P'). */
  params?: string;
  /** Human-readable name, e.g. 'NAS-Bench-201 cifar100_test'. */
  label: string;
  /** Caveat shown in the report (e.g. 'no validation split: test used for both'). */
  note?: string;
  /** Noise ceiling of the table (seed vs seed agreement), shown next to the correlations. */
  ceiling?: NoiseCeiling;
}

export interface ReportFigure {
  /** Unique within the report; also the base name of exported image files. */
  id: string;
  title: string;
  caption: string;
  figure: PlotlyFigure;
}

export interface ReportTable {
  caption: string;
  columns: string[];
  rows: (string | number | null)[][];
}

export interface ReportSection {
  id: string;
  title: string;
  paragraphs: string[];
  tables: ReportTable[];
  figures: ReportFigure[];
}

/** A reported number with where it came from. */
export interface ReportNumber {
  name: string;
  value: number | string | null;
  run?: string;
  epoch?: number;
  provenance: Provenance;
}

export interface Report {
  title: string;
  createdAt: string;
  sections: ReportSection[];
  numbers: ReportNumber[];
  warnings: string[];
  /** Every source any number came from. */
  sources: SourceRef[];
}

export interface ReportOptions {
  /** Run folders. */
  runs: readonly string[];
  title?: string;
  /** k of top-k (default 10). */
  k?: number;
  /** Bootstrap resamples for the correlation intervals (default 1000; 0 = none). */
  resamples?: number;
  seed?: number;
  /** Ground truth for every supernet run (overrides the runs' own and the benchmark). */
  groundTruth?: GroundTruthSource;
  /**
   * NAS-Bench-201 benchmark table for runs with space 'nb201' on a benchmark dataset (default:
   * the committed table via src/groundtruth); null never uses it.
   */
  nb201?: (() => ColumnTable) | null;
}
