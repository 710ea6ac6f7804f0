/**
 * The smoke study of a space through the one pipeline (what the space runner's `smokeStudy` did
 * before it): train a supernet into <out>/supernet (trainRun), score sampled architectures on its
 * final checkpoint (scoreRun), train them stand-alone into <out>/groundtruth (runGroundTruth),
 * and rank-correlate the space's metric (accuracy, or perplexity for language models).
 */
import * as path from 'node:path';
import { kendallTauB, spearman } from '../../src/analysis/correlation';
import type { RunConfigInput } from '../../src/runs/config';
import type { GroundTruthRow, ScoreRow } from '../../src/runs/folder';
import type { SpaceDataSettings, SpaceHyper, SpaceSetup } from '../../src/supernet/binding';
import { runSetup, sampleArchs, trainRun, type RunData } from '../../src/train/pipeline';
import { runGroundTruth, scoreRun } from '../../src/evaluate';

/** A training's settings as the smoke tests give them (hyper-parameters, seed and sampler). */
export type SmokeHyper = SpaceHyper & Pick<RunConfigInput, 'seed' | 'sampler'>;

export interface SmokePipelineOptions {
  space: string;
  /** The binding's skeleton (without what the data decides). */
  net: object;
  data: RunData;
  dataSettings: SpaceDataSettings;
  /** Study folder: supernet/ and groundtruth/ run folders. */
  outDir: string;
  supernet: SmokeHyper;
  /** Stand-alone training of each sampled architecture (ground truth). */
  standalone: SmokeHyper;
  /** Architectures to score and train stand-alone. */
  archs: number;
}

export interface SmokePipelineResult {
  setup: SpaceSetup;
  archs: string[];
  scores: ScoreRow[];
  groundTruth: GroundTruthRow[];
  /** Stand-alone validation loss per architecture. */
  losses: Map<string, number>;
  metric: 'accuracy' | 'perplexity';
  /** The metric of the supernet scores and of the stand-alone runs, in architecture order. */
  supernet: number[];
  standalone: number[];
  spearman: number;
  kendall: number;
  /** Mean training loss of the supernet's last epoch. */
  supernetLoss: number;
  supernetDir: string;
  groundTruthDir: string;
}

const silent = { update() {}, line() {}, done() {} };

export async function smokePipeline(o: SmokePipelineOptions): Promise<SmokePipelineResult> {
  const { space, data } = o;
  const common = {
    space,
    scale: 'smoke' as const,
    dataset: o.dataSettings.kind === 'images' ? o.dataSettings.dataset : 'ptb',
    skeleton: { space, net: o.net },
    data: o.dataSettings,
    engine: 'cpu',
  };
  const setup = runSetup(common, data);
  // The study's architecture list (src/study: sampleArchs with seed study/<seed>).
  const archs = sampleArchs(setup.spec, o.archs, `study/${o.supernet.seed}`);
  const supernetDir = path.join(o.outDir, 'supernet');
  const trained = await trainRun({
    runDir: supernetDir,
    data,
    config: { ...common, ...o.supernet, kind: 'supernet' },
    progress: silent,
  });
  const scores = scoreRun({ runDir: supernetDir, archs, data, progress: silent }).rows;
  const groundTruthDir = path.join(o.outDir, 'groundtruth');
  const gt = runGroundTruth({
    runDir: groundTruthDir,
    data,
    progress: silent,
    config: { ...common, ...o.standalone, kind: 'groundtruth', archs },
  });
  const metric = setup.spec.metric ?? 'accuracy';
  const supernet =
    metric === 'accuracy' ? scores.map((s) => s.accuracy) : scores.map((s) => Math.exp(s.loss));
  const byArch = new Map(gt.rows.map((r) => [r.arch, r]));
  const standalone = archs.map((a) =>
    metric === 'accuracy' ? byArch.get(a)!.val_accuracy : Math.exp(gt.losses.get(a)!),
  );
  return {
    setup,
    archs,
    scores,
    groundTruth: gt.rows,
    losses: gt.losses,
    metric,
    supernet,
    standalone,
    spearman: spearman(supernet, standalone),
    kendall: kendallTauB(supernet, standalone),
    supernetLoss: trained.loss,
    supernetDir,
    groundTruthDir,
  };
}
