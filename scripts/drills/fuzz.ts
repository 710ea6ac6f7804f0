/**
 * Property-based fuzzing with fast-check (cases drawn with a fixed seed, every one counted):
 *
 * - architecture strings of every registered space, mutated from valid ones character by
 *   character or drawn at random: the parser either returns an architecture whose string form
 *   parses back to itself, or throws an ArchError quoting the input; the CLI's list reader
 *   (canonicalArchs) turns the same input into a BadInputError (exit 2);
 * - genotype literals (DARTS and DARTS-PTB `Genotype(...)`) mutated token by token;
 * - CLI flags: every command with random flags and values, one of them surely invalid, run
 *   in-process through `main`: exit 2 with a short message on stderr and no stack.
 *
 * A case "crashes" when it throws anything else (TypeError, RangeError, ...), returns an
 * architecture that does not round-trip, or the CLI prints a stack or exits otherwise.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';
import { main } from '../../src/cli/main';
import { commands } from '../../src/cli/commands';
import { canonicalArchs } from '../../src/evaluate/score-run';
import { BadInputError } from '../../src/errors';
import { Rng } from '../../src/engine/random';
import { SPACE_BINDINGS } from '../../src/supernet/registry';
import { ArchError, type SearchSpace } from '../../src/spaces/types';
import { newResult, tempDir, type DrillResult } from './common';

/** Valid strings of a space, drawn with a fixed seed. */
function validStrings(space: SearchSpace<unknown, unknown>, count: number, seed: string): string[] {
  const rng = new Rng(`drills/fuzz/${space.name}/${seed}`);
  return Array.from({ length: count }, () => space.format(space.sample(rng)));
}

/** Character edits of a string: delete, insert, replace, duplicate a slice. */
export function mutated(bases: readonly string[], alphabet: string): fc.Arbitrary<string> {
  const edit = fc.record({
    kind: fc.constantFrom('delete', 'insert', 'replace', 'duplicate'),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 6 }),
    ch: fc.constantFrom(...alphabet),
  });
  return fc
    .tuple(fc.constantFrom(...bases), fc.array(edit, { minLength: 1, maxLength: 4 }))
    .map(([base, edits]) =>
      edits.reduce((s, e) => {
        const at = s.length === 0 ? 0 : e.at % (s.length + 1);
        if (e.kind === 'delete') return s.slice(0, at) + s.slice(at + e.len);
        if (e.kind === 'insert') return s.slice(0, at) + e.ch + s.slice(at);
        if (e.kind === 'replace') return s.slice(0, at) + e.ch + s.slice(at + 1);
        return s.slice(0, at) + s.slice(at, at + e.len) + s.slice(at);
      }, base),
    );
}

/** Token edits of a Genotype literal: op names, integers and keywords replaced or dropped. */
function genotypeMutations(bases: readonly string[]): fc.Arbitrary<string> {
  const token = /[A-Za-z_][A-Za-z0-9_]*|-?\d+|[()[\],=']/g;
  const replacement = fc.oneof(
    fc.constantFrom(
      'sep_conv_3x3',
      'skip_connect',
      'none',
      'max_pool_3x3',
      'tanh',
      'relu',
      'identity',
    ),
    fc.integer({ min: -3, max: 12 }).map(String),
    fc.constantFrom(
      '(',
      ')',
      '[',
      ']',
      ',',
      '=',
      "'",
      '',
      'range',
      'normal',
      'reduce',
      'recurrent',
      '1e9',
    ),
    fc.string({ maxLength: 4 }),
  );
  return fc
    .tuple(
      fc.constantFrom(...bases),
      fc.array(fc.tuple(fc.nat(), replacement), { minLength: 1, maxLength: 3 }),
    )
    .map(([base, edits]) => {
      // Edits apply from the last token backwards, so earlier spans stay where they were.
      const spans = [...base.matchAll(token)].map((m) => ({
        start: m.index ?? 0,
        end: (m.index ?? 0) + m[0].length,
      }));
      if (spans.length === 0) return base;
      const picked = [...new Map(edits.map(([at, by]) => [at % spans.length, by])).entries()];
      picked.sort((a, b) => b[0] - a[0]);
      let s = base;
      for (const [i, by] of picked) s = s.slice(0, spans[i].start) + by + s.slice(spans[i].end);
      return s;
    });
}

type Verdict = 'valid' | 'rejected' | 'crash';

/** Parse `text` with the pure space and with the CLI's reader; see the module comment. */
function checkArch(
  space: SearchSpace<unknown, unknown>,
  listReader: (t: string) => void,
  text: string,
): { verdict: Verdict; why?: string } {
  let arch: unknown;
  try {
    arch = space.parse(text);
  } catch (err) {
    if (!(err instanceof ArchError) || err.message.trim() === '') {
      return { verdict: 'crash', why: `${(err as Error).name}: ${(err as Error).message}` };
    }
    try {
      listReader(text);
      return { verdict: 'crash', why: 'the CLI reader accepted what the space rejects' };
    } catch (cliErr) {
      if (cliErr instanceof BadInputError) return { verdict: 'rejected' };
      return {
        verdict: 'crash',
        why: `CLI reader: ${(cliErr as Error).name}: ${(cliErr as Error).message}`,
      };
    }
  }
  try {
    const again = space.format(space.parse(space.format(arch)));
    if (again !== space.format(arch))
      return { verdict: 'crash', why: 'format/parse does not round-trip' };
    void space.isValid(arch);
  } catch (err) {
    return {
      verdict: 'crash',
      why: `accepted, then ${(err as Error).name}: ${(err as Error).message}`,
    };
  }
  return { verdict: 'valid' };
}

function archDrill(
  name: string,
  texts: readonly string[],
  check: (t: string) => { verdict: Verdict; why?: string },
): DrillResult {
  const result = newResult('fuzz', name);
  const t0 = Date.now();
  let valid = 0;
  for (const text of texts) {
    result.tried++;
    const v = check(text);
    if (v.verdict === 'crash') {
      if (result.notes.length < 10)
        result.notes.push(`${JSON.stringify(text).slice(0, 160)}: ${v.why}`);
    } else {
      result.ok++;
      if (v.verdict === 'valid') valid++;
    }
  }
  result.data = { valid, rejected: result.ok - valid };
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return result;
}

/** The architecture-string drills: one per space, plus the genotype literals. */
export function archFuzzDrills(cases: number, seed: number): DrillResult[] {
  const out: DrillResult[] = [];
  const genotypeBases: {
    space: SearchSpace<unknown, unknown>;
    reader: (t: string) => void;
    bases: string[];
  }[] = [];
  for (const binding of SPACE_BINDINGS) {
    const space = binding.searchSpace;
    const bases = validStrings(space, 16, String(seed));
    const preset = binding.preset('smoke');
    const shape =
      binding.name === 'darts-ptb' ? null : { inputChannels: 1, classes: 10, imageSize: 28 };
    const setup = binding.setup(preset.skeleton.net, shape);
    const reader = (t: string) => void canonicalArchs(setup, [t]);
    const alphabet = [...new Set(bases.join('') + "|~+-,()[]=' 0123456789_x")].join('');
    // A tenth valid strings as drawn, a fifth random text (any unicode, or bytes), the rest
    // valid strings with a few character edits.
    const valid = Math.ceil(cases / 10);
    const random = Math.floor(cases / 5);
    const texts = [
      ...Array.from({ length: valid }, (_, i) => bases[i % bases.length]),
      ...fc.sample(
        fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 })),
        {
          numRuns: random,
          seed,
        },
      ),
      ...fc.sample(mutated(bases, alphabet), { numRuns: cases - valid - random, seed }),
    ].slice(0, cases);
    out.push(archDrill(`arch strings: ${binding.name}`, texts, (t) => checkArch(space, reader, t)));
    if (bases[0].startsWith('Genotype(')) genotypeBases.push({ space, reader, bases });
  }
  const perSpace = Math.ceil(cases / Math.max(1, genotypeBases.length));
  // Per space: a tenth the literals as drawn, the rest with a few tokens edited.
  const texts: { g: (typeof genotypeBases)[number]; text: string }[] = genotypeBases.flatMap(
    (g) => {
      const valid = Math.ceil(perSpace / 10);
      return [
        ...Array.from({ length: valid }, (_, i) => g.bases[i % g.bases.length]),
        ...fc.sample(genotypeMutations(g.bases), { numRuns: perSpace - valid, seed: seed + 1 }),
      ].map((text) => ({ g, text }));
    },
  );
  const result = archDrill(
    `genotype literals (${genotypeBases.map((g) => g.space.name).join(', ')})`,
    texts.map((t) => t.text),
    (() => {
      let i = 0;
      return (text: string) => {
        const g = texts[i++].g;
        return checkArch(g.space, g.reader, text);
      };
    })(),
  );
  out.push(result);
  return out;
}

/** Flags whose values are checked (numbers, choices, lists): a fuzzed case breaks one of them. */
const CHECKED_FLAGS = new Set([
  'space',
  'scale',
  'seed',
  'engine',
  'progress',
  'dataset',
  'epochs',
  'batch-size',
  'lr',
  'weight-decay',
  'clip',
  'momentum',
  'channels',
  'cells',
  'train-images',
  'valid-images',
  'calib-batches',
  'calib-size',
  'sample',
  'arch-seed',
  'workers',
  'shard',
  'epoch',
  'method',
  'sampler',
  'sampler-paths',
  'few-shot-edge',
  'max-epochs',
  'gaea-eta',
  'darts-lr',
  'samples',
  'gt-epochs',
  'gt-archs',
  'scored-archs',
  'ground-truth',
  'checkpoint-epochs',
  'test-images',
]);
/** Switches that reach the network or delete folders: never drawn. */
const NEVER = new Set(['download', 'fresh', 'worker', 'help']);
const BAD_VALUES = [
  'abc',
  '1.5',
  '',
  '-',
  '-7',
  '1e999',
  'NaN',
  '0x1g',
  '9'.repeat(24),
  '3/0',
  'nb999',
  ' ',
];

/** Argument vectors: a command, random flags, one checked flag with a bad value. */
function cliArgv(): fc.Arbitrary<string[]> {
  const usable = commands.filter((c) => !['bench', 'info'].includes(c.name));
  return fc.constantFrom(...usable).chain((command) => {
    const names = Object.keys(command.options).filter((n) => !NEVER.has(n));
    const checked = names.filter((n) => CHECKED_FLAGS.has(n));
    const value = fc.oneof(
      fc.constantFrom(...BAD_VALUES, '0', '1', '2', 'smoke', 'nb201', 'all'),
      fc.string({ maxLength: 8 }),
    );
    const extra = fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 4 });
    const junk = fc.array(fc.constantFrom('--bogus', '-z', 'stray', '--', '--lr=', '--epochs=-1'), {
      maxLength: 2,
    });
    const broken =
      checked.length > 0
        ? fc.tuple(fc.constantFrom(...checked), fc.constantFrom(...BAD_VALUES))
        : fc.constant(null);
    return fc.tuple(extra, junk, broken).map(([pairs, stray, bad]) => {
      // A folder in the temp working directory, should a case get as far as writing one.
      const argv = command.options.out ? [command.name, '--out', 'fuzz-out'] : [command.name];
      for (const [n, v] of pairs) {
        if (command.options[n].type === 'boolean') argv.push(`--${n}`);
        else argv.push(`--${n}`, v);
      }
      if (bad) argv.push(`--${bad[0]}=${bad[1]}`);
      argv.push(...stray);
      if (!bad && stray.length === 0) argv.push('--bogus');
      return argv;
    });
  });
}

const STACK = /^\s+at .*:\d+:\d+\)?$/m;

/** Runs `main(argv)` with stdout and stderr captured. */
export async function captured(
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((chunk: string | Uint8Array) => (
    (stdout += chunk.toString()),
    true
  )) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (
    (stderr += chunk.toString()),
    true
  )) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** CLI-flag fuzzing in a temp working folder (relative paths land there). */
export async function cliFuzzDrill(cases: number, seed: number): Promise<DrillResult> {
  const result = newResult('fuzz', 'CLI flags');
  const t0 = Date.now();
  const cwd = process.cwd();
  const dir = tempDir('fuzz-cli');
  process.chdir(dir);
  const byCommand: Record<string, number> = {};
  try {
    for (const argv of fc.sample(cliArgv(), { numRuns: cases, seed })) {
      result.tried++;
      byCommand[argv[0]] = (byCommand[argv[0]] ?? 0) + 1;
      let r: { code: number; stdout: string; stderr: string };
      try {
        r = await captured(argv);
      } catch (err) {
        r = { code: -1, stdout: '', stderr: `threw out of main: ${(err as Error).stack}` };
      }
      const lines = r.stderr.trim().split('\n');
      const clear =
        r.code === 2 &&
        lines.length <= 2 &&
        lines[0].startsWith('supernet-lab') &&
        !STACK.test(r.stderr);
      if (clear) result.ok++;
      else if (result.notes.length < 10) {
        result.notes.push(
          `${JSON.stringify(argv).slice(0, 200)} -> exit ${r.code}: ${r.stderr.trim().slice(0, 200)}`,
        );
      }
    }
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  result.data = { byCommand };
  result.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return result;
}
