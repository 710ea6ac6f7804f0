/** The main job: supernet + ground truth + scoring + rank statistics + report (`npm start`). */
export { runStudy } from './study';
export type { StudyOptions, StudyResult } from './study';
export { formatSummary, summarize, summarizeFiles } from './summary';
export type { StudySummary, TopKSummary } from './summary';
