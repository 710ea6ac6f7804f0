/**
 * What seed 001 reports ("weight-sharing bias", seeds/001-weight-sharing-bias.txt of the project
 * brief), as reference values for the study's regime sentences and the budget frontier's
 * reference lines. Only numbers and signs the paper's text states are here; its figures are
 * images, so e.g. the NB-201 size bias has a sign (Sec. 2) but no value.
 */
export interface SeedReference {
  /** Supernet training epochs of the reported values (App. A: "1000 epochs if not otherwise specified"). */
  epochs: number;
  /** Spearman between supernet scores and ground truth, and where the paper says it. */
  spearman: { value: number; where: string };
  /** Sign of rho(supernet score, parameters): +1 = favours big models. */
  sizeBias: { sign: 1 | -1; where: string };
  /** rho(ground truth, parameters) where the text gives it. */
  truthVsParams?: { value: number; where: string };
}

/** Keyed by registered space name; spaces the text gives no numbers for have no entry. */
export const SEED_001: Readonly<Record<string, SeedReference>> = {
  nb201: {
    epochs: 1000,
    spearman: {
      value: 0.7,
      where:
        'Sec. 2, Fig. 1b: "on NAS-Bench-201, the correlation can be as high as 0.7" (CIFAR-100)',
    },
    sizeBias: { sign: 1, where: 'Sec. 2: "Weight sharing favors big models"' },
  },
  nb101: {
    epochs: 1000,
    spearman: { value: 0.618, where: 'Table 3: NAS-Bench-101 (1k epochs), Corr-GT 0.618' },
    sizeBias: { sign: 1, where: 'Sec. 2: "Weight sharing favors big models"' },
    truthVsParams: {
      value: 0.67,
      where:
        'Sec. 2: "the correlation between ground truth performance and parameter size on NAS-Bench-101 can be as high as 0.67"',
    },
  },
};

export function seedReference(space: string): SeedReference | null {
  return SEED_001[space] ?? null;
}
