/**
 * One theme for every figure: the Okabe-Ito colour-blind-safe palette, white background, light
 * grid, legend on top. Roles keep the seed's colour language: weight sharing blue, random
 * search vermillion, correlation black, best ground truth bluish green (dash-dot).
 */
export const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
} as const;

/** Series colours in order (yellow last: weak on white). */
export const PALETTE: readonly string[] = [
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.orange,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.skyBlue,
  OKABE_ITO.black,
  OKABE_ITO.yellow,
];

export const ROLE_COLORS = {
  weightSharing: OKABE_ITO.blue,
  random: OKABE_ITO.vermillion,
  correlation: OKABE_ITO.black,
  bestGroundTruth: OKABE_ITO.bluishGreen,
  meanGroundTruth: OKABE_ITO.reddishPurple,
  highlight: OKABE_ITO.vermillion,
  muted: '#9a9a9a',
} as const;

/** Diverging colour scale for correlations in [-1, 1]: blue - white - vermillion. */
export const CORRELATION_COLORSCALE: ReadonlyArray<[number, string]> = [
  [0, OKABE_ITO.blue],
  [0.5, '#ffffff'],
  [1, OKABE_ITO.vermillion],
];

export function colorAt(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Colour with alpha, for bands. */
export function withAlpha(hex: string, alpha: number): string {
  const v = hex.replace('#', '');
  const r = parseInt(v.slice(0, 2), 16);
  const g = parseInt(v.slice(2, 4), 16);
  const b = parseInt(v.slice(4, 6), 16);
  return `rgba(${r},${g},${b},${alpha})`;
}

const FONT = { family: 'Helvetica, Arial, sans-serif', size: 13, color: '#222222' };

/** An axis with a title (always name the unit in it, e.g. 'accuracy (%)'). */
export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    gridcolor: '#e6e6e6',
    zerolinecolor: '#bdbdbd',
    linecolor: '#444444',
    ticks: 'outside',
    showline: true,
    automargin: true,
    ...extra,
  };
}

/** A right-hand axis drawn over the main y axis, with its own ticks (not synced) and no grid. */
export function secondaryAxis(
  title: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return axis(title, {
    overlaying: 'y',
    side: 'right',
    showgrid: false,
    zeroline: false,
    tickmode: 'auto',
    ...extra,
  });
}

/** Layout shared by all figures; pass axes and anything else in `extra`. */
export function baseLayout(
  title: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    title: { text: title, x: 0.02, xanchor: 'left' },
    font: FONT,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    colorway: [...PALETTE],
    legend: { orientation: 'h', x: 0, y: -0.18, yanchor: 'top' },
    margin: { l: 70, r: 70, t: 60, b: 80 },
    hovermode: 'closest',
    height: 450,
    ...extra,
  };
}

/** JSON-safe number list: NaN / Infinity become null (a gap in plotly). */
export function finiteOrNull(values: ArrayLike<unknown>): (number | null)[] {
  return Array.from(values, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
}
