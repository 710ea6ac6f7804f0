/**
 * A reader for the small subset of Python literal syntax in which DARTS writes genotypes:
 * `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=range(2, 6), ...)`. Values are
 * integers, quoted strings, lists, tuples and calls with positional and keyword arguments.
 */
export type PyValue =
  | { kind: 'int'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'call'; name: string; args: PyValue[]; kwargs: Record<string, PyValue> };

/** Thrown with a message that says where in the text the reader stopped. */
export class PyLiteralError extends Error {
  override name = 'PyLiteralError';
}

export function parsePyLiteral(text: string): PyValue {
  let pos = 0;
  const fail = (why: string): never => {
    throw new PyLiteralError(`${why} at character ${pos + 1}`);
  };
  const skip = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expect = (ch: string) => {
    skip();
    if (text[pos] !== ch)
      fail(`expected '${ch}'${pos < text.length ? ` but found '${text[pos]}'` : ''}`);
    pos++;
  };
  const items = (close: string): PyValue[] => {
    const out: PyValue[] = [];
    skip();
    while (text[pos] !== close) {
      out.push(value());
      skip();
      if (text[pos] === ',') {
        pos++;
        skip();
      } else if (text[pos] !== close) {
        fail(`expected ',' or '${close}'`);
      }
    }
    pos++;
    return out;
  };
  const value = (): PyValue => {
    skip();
    const ch = text[pos];
    if (ch === undefined) return fail('unexpected end of text');
    if (ch === '[') {
      pos++;
      return { kind: 'list', items: items(']') };
    }
    if (ch === '(') {
      pos++;
      return { kind: 'tuple', items: items(')') };
    }
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, pos + 1);
      if (end < 0) fail('unterminated string');
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return { kind: 'str', value: s };
    }
    const num = /^-?\d+/.exec(text.slice(pos));
    if (num) {
      pos += num[0].length;
      return { kind: 'int', value: Number(num[0]) };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos));
    if (!name) return fail(`unexpected '${ch}'`);
    pos += name[0].length;
    expect('(');
    const args: PyValue[] = [];
    const kwargs: Record<string, PyValue> = {};
    skip();
    while (text[pos] !== ')') {
      const kw = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)/.exec(text.slice(pos));
      if (kw) {
        pos += kw[0].length;
        if (kw[1] in kwargs) fail(`argument '${kw[1]}' given twice`);
        kwargs[kw[1]] = value();
      } else {
        if (Object.keys(kwargs).length > 0) fail('positional argument after keyword arguments');
        args.push(value());
      }
      skip();
      if (text[pos] === ',') {
        pos++;
        skip();
      } else if (text[pos] !== ')') {
        fail(`expected ',' or ')'`);
      }
    }
    pos++;
    return { kind: 'call', name: name[0], args, kwargs };
  };
  const v = value();
  skip();
  if (pos < text.length) fail('unexpected text after the value');
  return v;
}

/** The integers of a concat field: a list of ints or `range(a, b)`. Undefined if neither. */
export function pyIntList(v: PyValue): number[] | undefined {
  if (v.kind === 'list' || v.kind === 'tuple') {
    if (!v.items.every((x) => x.kind === 'int')) return undefined;
    return v.items.map((x) => (x as { value: number }).value);
  }
  if (v.kind === 'call' && v.name === 'range' && Object.keys(v.kwargs).length === 0) {
    const a = v.args.map((x) => (x.kind === 'int' ? x.value : NaN));
    if (a.some(Number.isNaN) || a.length < 1 || a.length > 2) return undefined;
    const [lo, hi] = a.length === 1 ? [0, a[0]] : a;
    return Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);
  }
  return undefined;
}

/** `[('op', 0), ('op', 1)]` as pairs; undefined if the value has another shape. */
export function pyOpIndexPairs(v: PyValue): [string, number][] | undefined {
  if (v.kind !== 'list' && v.kind !== 'tuple') return undefined;
  const out: [string, number][] = [];
  for (const item of v.items) {
    if (item.kind !== 'tuple' && item.kind !== 'list') return undefined;
    const [a, b] = item.items;
    if (item.items.length !== 2 || a.kind !== 'str' || b.kind !== 'int') return undefined;
    out.push([a.value, b.value]);
  }
  return out;
}

/**
 * The keyword fields of a DARTS genotype expression `Genotype(a=..., b=...)`. `known` are the
 * fields it may have, `shown` the ones an error spells out. Any other shape goes to `fail`.
 */
export function genotypeFields(
  text: string,
  fields: { known: readonly string[]; shown: readonly string[] },
  fail: (text: string, why: string) => never,
): Record<string, PyValue> {
  if (typeof text !== 'string') fail(String(text), 'not a string');
  if (text.trim() === '') fail(text, 'empty string');
  let v: PyValue;
  try {
    v = parsePyLiteral(text.trim());
  } catch (err) {
    if (err instanceof PyLiteralError) fail(text, `not a Genotype(...) expression: ${err.message}`);
    throw err;
  }
  const form = fields.shown.map((f) => `${f}=...`).join(', ');
  if (v.kind !== 'call' || v.name !== 'Genotype') fail(text, `expected Genotype(${form})`);
  if (v.args.length > 0) fail(text, `write the fields as keywords (${form})`);
  for (const k of Object.keys(v.kwargs)) {
    if (!fields.known.includes(k)) {
      fail(text, `unknown field ${JSON.stringify(k)} (expected ${fields.known.join(', ')})`);
    }
  }
  return v.kwargs;
}
