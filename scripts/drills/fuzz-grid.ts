/**
 * Grid files fuzzed with fast-check (fixed seed, every case counted): the committed grids in
 * grids/ with keys renamed, dropped or added, values of other types and ranges, sections nested
 * or flattened, written as YAML or JSON; the same files edited character by character; YAML
 * hazards (anchors and aliases, merge keys, tags, several documents); and random text. Each file
 * goes to the planner (planGrid) and through `supernet-lab sweep plan` in-process.
 *
 * A case ends as it must when it is planned (every job id well formed, every dependency in the
 * plan, no undefined, NaN or infinite value in a job and none in its command line) or refused
 * clearly: a BadInputError whose message is one line naming the grid file, and the CLI exits 2
 * with one line on stderr and no stack. Anything else (a TypeError, a RangeError, a message
 * without the file, a plan with a broken job, a CLI that disagrees with the planner) crashes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { BadInputError } from '../../src/errors';
import { planGrid, readGridFile } from '../../src/sweep/grid';
import { JOB_ID, jobArgv, type ResolvedJob } from '../../src/sweep/spec';
import type { SweepPlan } from '../../src/sweep/storage';
import { ROOT, newResult, tempDir, type DrillResult } from './common';
import { captured, mutated } from './fuzz';

type Dict = Record<string, unknown>;

const GRIDS = path.join(ROOT, 'grids');

/** The committed grids, parsed, with their YAML text. */
function baseGrids(): { name: string; grid: Dict; text: string }[] {
  return fs
    .readdirSync(GRIDS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const file = path.join(GRIDS, f);
      return { name: f, grid: readGridFile(file), text: fs.readFileSync(file, 'utf8') };
    });
}

/** Keys a mutation renames to or adds: grid keys, job fields, near misses, prototype names. */
const KEYS = [
  'name',
  'scale',
  'scales',
  'spaces',
  'datasets',
  'seeds',
  'train',
  'score',
  'groundtruth',
  'search',
  'jobs',
  'parts',
  'variants',
  'epochs',
  'checkpointEpochs',
  'trainImages',
  'validImages',
  'batchSize',
  'lr',
  'weightDecay',
  'sampler',
  'samplerPaths',
  'fewShotEdge',
  'channels',
  'cells',
  'sample',
  'archSeed',
  'epoch',
  'method',
  'stage',
  'space',
  'dataset',
  'seed',
  'spcaes',
  'Train',
  'score ',
  '',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
];

/** Values a mutation puts in: other types, edges of ranges, names valid elsewhere. */
const VALUES: unknown[] = [
  0,
  1,
  2,
  -1,
  1.5,
  -0,
  1e-320,
  2 ** 53 + 2,
  1e309, // Infinity once parsed
  '1',
  '',
  ' ',
  'abc',
  'all',
  'latest',
  'nb201',
  'nb101',
  'darts',
  'darts-ptb',
  'proxyless',
  'smoke',
  'paper',
  'fashion-mnist',
  'cifar10',
  'ptb',
  'fairnas',
  'fewshot',
  'darts-1',
  'train',
  'score',
  'train-0123456789abcdef',
  '../../etc',
  true,
  false,
  null,
  [],
  {},
  [[]],
  [1, 2],
  [0, 1, 1],
  ['nb201', 'nb101'],
  [{}],
  { sample: 4, archSeed: 1 },
  { epochs: 1 },
  { stage: 'train', space: 'nb201', scale: 'smoke', seed: 0 },
  { stage: 'score', train: 'train-0123456789abcdef', sample: 2, archSeed: 0 },
];

interface Edit {
  kind: 'delete' | 'rename' | 'set' | 'add' | 'wrap-list' | 'wrap-dict' | 'unwrap';
  /** Where: indices that pick a key or an element at each level (modulo the sizes). */
  at: number[];
  key: string;
  value: unknown;
}

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('delete', 'rename', 'set', 'add', 'wrap-list', 'wrap-dict', 'unwrap'),
  at: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })),
  value: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
});

/** The container `at` walks to (a dict or a list inside `root`) and the key or index in it. */
function locate(root: unknown, at: number[]): { parent: Dict | unknown[]; key: string | number } {
  let parent = root as Dict | unknown[];
  for (let depth = 0; ; depth++) {
    const keys: (string | number)[] = Array.isArray(parent)
      ? parent.map((_, i) => i)
      : Object.keys(parent);
    if (keys.length === 0) return { parent, key: 0 };
    const key = keys[at[depth % at.length] % keys.length];
    const child = (parent as Record<string | number, unknown>)[key];
    if (depth + 1 >= at.length || child === null || typeof child !== 'object') {
      return { parent, key };
    }
    parent = child as Dict | unknown[];
  }
}

function applyEdit(grid: Dict, e: Edit): Dict {
  const root = structuredClone(grid);
  const { parent, key } = locate(root, e.at);
  const p = parent as Record<string | number, unknown>;
  const value = structuredClone(e.value);
  switch (e.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete p[key];
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        const v = p[key];
        delete p[key];
        Object.defineProperty(p, e.key, { value: v, enumerable: true, writable: true });
      }
      break;
    case 'set':
      p[key] = value;
      break;
    case 'add':
      if (Array.isArray(parent)) parent.push(value);
      else Object.defineProperty(p, e.key, { value, enumerable: true, writable: true });
      break;
    case 'wrap-list':
      p[key] = [p[key]];
      break;
    case 'wrap-dict':
      p[key] = { [e.key]: p[key] };
      break;
    case 'unwrap': {
      const v = p[key];
      if (Array.isArray(v)) p[key] = v[0];
      else if (v !== null && typeof v === 'object') p[key] = Object.values(v)[0];
      break;
    }
  }
  return root;
}

/** Snippets that reach the corners of YAML: anchors, aliases, merge keys, tags, documents. */
const YAML_HAZARDS = [
  'base: &b {epochs: 1}\ntrain: *b\n',
  'train: &t [*t]\n',
  'a: &a [1, 2]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nseeds: [*c, *c, *c, *c]\n',
  'train: {<<: {epochs: 2}, lr: 0.1}\n',
  '? [spaces]\n: [nb201]\n',
  'seeds: !!str 0\n',
  'seeds: !!binary aGVsbG8=\n',
  'seeds: !!timestamp 2001-12-14\n',
  'seeds: !custom 3\n',
  'spaces: [nb201]\n---\nspaces: [nb101]\n',
  '%YAML 1.1\n---\nseeds: [0]\n',
  'seeds: 0x10\n',
  'seeds: .nan\n',
  'seeds: [.inf]\n',
  'seeds: 1_000\n',
  'name: ~\n',
  'name: "a\\u0000b"\n',
  'spaces: nb201, nb101\n',
  'train:\n\tepochs: 1\n',
  'train:\n  epochs: 1\n   lr: 2\n',
  '\ufeffname: bom\n',
];

type Case = { text: string; ext: '.yaml' | '.yml' | '.json'; kind: string };

function cases(count: number, seed: number): Case[] {
  const bases = baseGrids();
  const asText = (grid: Dict, json: boolean) =>
    json ? JSON.stringify(grid, null, 1) : toYaml(grid, { aliasDuplicateObjects: false });
  // A tenth the grids as committed (YAML and JSON), half structured mutations, a fifth text
  // edits, a tenth YAML hazards, the rest random text.
  const asIs = Math.ceil(count / 10);
  const structured = Math.floor(count / 2);
  const textual = Math.floor(count / 5);
  const hazards = Math.floor(count / 10);
  const random = Math.max(0, count - asIs - structured - textual - hazards);
  const out: Case[] = Array.from({ length: asIs }, (_, i) => {
    const b = bases[i % bases.length];
    const json = Math.floor(i / bases.length) % 2 === 1;
    return {
      text: json ? asText(b.grid, true) : b.text,
      ext: json ? '.json' : '.yaml',
      kind: 'as committed',
    };
  });
  const gridEdits = fc.tuple(
    fc.constantFrom(...bases.map((b) => b.grid)),
    fc.array(edit, { minLength: 1, maxLength: 4 }),
    fc.boolean(),
  );
  for (const [grid, edits, json] of fc.sample(gridEdits, { numRuns: structured, seed })) {
    const g = edits.reduce(applyEdit, grid);
    out.push({ text: asText(g, json), ext: json ? '.json' : '.yml', kind: 'structured' });
  }
  const texts = bases.flatMap((b) => [b.text, asText(b.grid, true)]);
  const alphabet = ':{}[],&*!|>\'"%@#-?\n\t 0123456789abcdefz.';
  for (const [text, json] of fc.sample(fc.tuple(mutated(texts, alphabet), fc.boolean()), {
    numRuns: textual,
    seed: seed + 1,
  })) {
    out.push({ text, ext: json ? '.json' : '.yaml', kind: 'text edits' });
  }
  const hazard = fc.tuple(fc.constantFrom(...YAML_HAZARDS), fc.constantFrom(...bases), fc.nat());
  for (const [snippet, base, at] of fc.sample(hazard, { numRuns: hazards, seed: seed + 2 })) {
    // The snippet replaces one top-level line of a committed grid, or comes before them all.
    const lines = base.text.split('\n');
    const i = at % (lines.length + 1);
    const text = [...lines.slice(0, i), snippet, ...lines.slice(i + 1)].join('\n');
    out.push({ text, ext: '.yaml', kind: 'YAML hazards' });
  }
  const junk = fc.tuple(
    fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    ),
    fc.constantFrom<Case['ext']>('.yaml', '.json'),
  );
  for (const [text, ext] of fc.sample(junk, { numRuns: random, seed: seed + 3 })) {
    out.push({ text, ext, kind: 'random text' });
  }
  return out;
}

/** What is wrong with a planned grid, or null. */
function brokenPlan(plan: SweepPlan): string | null {
  const ids = new Set(plan.jobs.map((j) => j.id));
  const bad = (v: unknown): boolean =>
    v === undefined ||
    (typeof v === 'number' && !Number.isFinite(v)) ||
    (Array.isArray(v) && v.some(bad)) ||
    (v !== null && typeof v === 'object' && Object.values(v).some(bad));
  for (const j of plan.jobs as ResolvedJob[]) {
    if (!JOB_ID.test(j.id)) return `job id ${JSON.stringify(j.id)}`;
    const missing = j.after.find((d) => !ids.has(d));
    if (missing) return `${j.id} needs ${missing}, which the plan lacks`;
    const inherited = Object.keys(j.spec).find((k) => k in Object.prototype);
    if (inherited) return `${j.id} took the field ${JSON.stringify(inherited)} unchecked`;
    if (bad(Object.values(j.spec))) return `${j.id}: ${JSON.stringify(j.spec)} holds a bad value`;
    const argv = jobArgv(j.spec, '/storage/runs/x', '/storage');
    const word = argv.find((a) => /undefined|NaN|Infinity|\[object|^null$/.test(a));
    if (word !== undefined) return `${j.id}: command line holds ${JSON.stringify(word)}`;
  }
  return null;
}

type Verdict = { verdict: 'planned' | 'refused' | 'crash'; why?: string; jobs?: number };

const STACK = /^\s+at .*:\d+:\d+\)?$/m;

async function check(file: string, storage: string): Promise<Verdict> {
  const base = path.basename(file);
  let planned: Verdict;
  try {
    const plan = planGrid(file);
    const broken = brokenPlan(plan);
    if (broken) return { verdict: 'crash', why: `planned, but ${broken}` };
    planned = { verdict: 'planned', jobs: plan.jobs.length };
  } catch (err) {
    const e = err as Error;
    if (!(err instanceof BadInputError)) {
      return { verdict: 'crash', why: `${e?.name}: ${String(e?.message).slice(0, 200)}` };
    }
    if (e.message.includes('\n') || !e.message.includes(base)) {
      return { verdict: 'crash', why: `unclear: ${JSON.stringify(e.message.slice(0, 300))}` };
    }
    planned = { verdict: 'refused' };
  }
  let r: { code: number; stderr: string };
  try {
    r = await captured(['sweep', 'plan', file, '--storage', storage]);
  } catch (err) {
    return { verdict: 'crash', why: `threw out of main: ${(err as Error).message}` };
  }
  const want = planned.verdict === 'planned' ? 0 : 2;
  const lines = r.stderr.trim().split('\n');
  const clear =
    want === 0 ||
    (lines.length === 1 && lines[0].startsWith('supernet-lab') && !STACK.test(r.stderr));
  if (r.code !== want || !clear) {
    return {
      verdict: 'crash',
      why: `sweep plan exit ${r.code} (the planner: ${planned.verdict}): ${r.stderr.trim().slice(0, 200)}`,
    };
  }
  return planned;
}

export async function gridFuzzDrill(count: number, seed: number): Promise<DrillResult> {
  const result = newResult('fuzz', 'grid files');
  const t0 = Date.now();
  const dir = tempDir('fuzz-grid');
  const storage = path.join(dir, 'storage');
  const byKind: Record<string, { tried: number; planned: number; refused: number }> = {};
  let planned = 0;
  let empty = 0;
  for (const [i, c] of cases(count, seed).entries()) {
    result.tried++;
    // The file's name is the sweep's name when the grid gives none: a valid one.
    const file = path.join(dir, `fuzz-grid-${i}${c.ext}`);
    fs.writeFileSync(file, c.text);
    const v = await check(file, storage);
    const k = (byKind[c.kind] ??= { tried: 0, planned: 0, refused: 0 });
    k.tried++;
    if (v.verdict === 'crash') {
      if (result.notes.length < 10) {
        result.notes.push(`${c.kind} ${JSON.stringify(c.text.slice(0, 160))}: ${v.why}`);
      }
    } else {
      result.ok++;
      k[v.verdict]++;
      if (v.verdict === 'planned') {
        planned++;
        if (v.jobs === 0) empty++;
      }
    }
    fs.rmSync(file, { force: true });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  result.data = { planned, plannedEmpty: empty, refused: result.ok - planned, byKind };
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return result;
}
