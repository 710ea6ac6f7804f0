import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The layering rule of issue 13: the top-level folders of src/ import each other without cycles.
const src = path.join(__dirname, '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The top-level folder of a path under src/ ('' for files directly in src/). */
function folderOf(file: string): string {
  const parts = path.relative(src, file).split(path.sep);
  return parts.length > 1 ? parts[0] : '';
}

/** folder -> folders it imports (relative imports only; type-only imports count too). */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const importRe = /(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of tsFiles(src)) {
    const from = folderOf(file);
    if (from === '') continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const to = folderOf(path.resolve(path.dirname(file), m[1]));
      if (to === '' || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      // Keep one example importer per edge for the message.
      if (!graph.get(from)!.has(to)) graph.get(from)!.set(to, path.relative(src, file));
    }
  }
  return graph;
}

function findCycle(graph: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (!state.has(node)) {
      const c = visit(node);
      if (c) return c;
    }
  }
  return null;
}

test('the scanner sees a cycle when there is one', () => {
  const g = new Map([
    ['a', new Map([['b', 'a/x.ts']])],
    ['b', new Map([['c', 'b/y.ts']])],
    ['c', new Map([['a', 'c/z.ts']])],
  ]);
  assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
  g.get('c')!.delete('a');
  assert.equal(findCycle(g), null);
});

test('no circular imports between the folders of src/', () => {
  const graph = folderGraph();
  assert.ok(graph.get('cli')?.has('train'), 'the scanner reads real imports (cli imports train)');
  const cycle = findCycle(graph);
  const where = cycle
    ? cycle
        .slice(0, -1)
        .map((f, i) => `${f} -> ${cycle[i + 1]} (${graph.get(f)!.get(cycle[i + 1])})`)
        .join(', ')
    : '';
  assert.equal(cycle, null, `folder cycle: ${where}`);
});
