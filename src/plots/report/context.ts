import type { Provenance } from '../../analysis/provenance';
import type { PlotlyFigure } from '../types';
import type { ReportFigure, ReportNumber, ReportSection } from './types';

/** Shared state while a report is built: settings, collected numbers, warnings, figure ids. */
export class ReportContext {
  readonly numbers: ReportNumber[] = [];
  readonly warnings: string[] = [];
  private readonly ids = new Set<string>();

  constructor(
    readonly k: number,
    readonly resamples: number,
    readonly seed: number,
  ) {}

  /** Records a reported number with its provenance; returns the value. */
  number<T extends number | string | null>(
    name: string,
    value: T,
    provenance: Provenance,
    where: { run?: string; epoch?: number } = {},
  ): T {
    const v = typeof value === 'number' && !Number.isFinite(value) ? null : value;
    this.numbers.push({ name, value: v, ...where, provenance });
    return value;
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  /** A figure with an id that is unique in the report and safe as a file name. */
  figure(id: string, title: string, caption: string, figure: PlotlyFigure): ReportFigure {
    let base = id.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'figure';
    if (!/^[A-Za-z]/.test(base)) base = `f-${base}`;
    let unique = base;
    for (let i = 2; this.ids.has(unique); i++) unique = `${base}-${i}`;
    this.ids.add(unique);
    return { id: unique, title, caption, figure };
  }
}

/** Rounds for display tables; non-finite values become null. */
export function round(v: number | null | undefined, digits = 3): number | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return Number(v.toFixed(digits));
}

export { mean } from '../../analysis/bootstrap';

/** A section with nothing in it yet. */
export function emptySection(id: string, title: string): ReportSection {
  return { id, title, paragraphs: [], tables: [], figures: [] };
}
