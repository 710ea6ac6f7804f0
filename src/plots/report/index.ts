/** Reports: run folders -> sections of tables and plotly figures -> one self-contained page. */
export { buildReport } from './build';
export { reportFigures, reportHtml } from './render';
export { resolveGroundTruth, groundTruthFromTable } from './groundtruth';
export type {
  GroundTruthSource,
  Report,
  ReportFigure,
  ReportNumber,
  ReportOptions,
  ReportSection,
  ReportTable,
} from './types';
