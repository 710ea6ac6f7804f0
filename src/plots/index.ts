/** Plots: plotly figure specs (pure JSON), notebook display, HTML pages, SVG/PNG/PDF export. */
export * from './types';
export * from './display';
export * from './html';
export * from './export';
// Figure builders (pure plotly JSON), their theme, and the report built from them.
export * from './theme';
export * from './epochs';
export * from './factor';
export * from './heatmap';
export * from './scatter';
export * from './bias';
export * from './compare';
export * from './report';
