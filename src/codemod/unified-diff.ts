/**
 * Labels and context of a {@link unifiedDiff}.
 *
 * @example
 * ```ts
 * const options: UnifiedDiffOptions = { oldLabel: 'a/src/token.ts', newLabel: 'b/src/token.ts' };
 * ```
 */
export interface UnifiedDiffOptions {
  /** Name on the `---` line, e.g. `a/src/token.ts`. */
  readonly oldLabel: string;
  /** Name on the `+++` line, e.g. `b/src/token.ts`. */
  readonly newLabel: string;
  /** Unchanged lines shown around each change. Default 3. */
  readonly context?: number | undefined;
}

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

interface Lines {
  readonly lines: readonly string[];
  /** Whether the text ends with a line break (else diff prints `\ No newline at end of file`). */
  readonly finalNewline: boolean;
}

function splitLines(text: string): Lines {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/**
 * A unified diff (`diff -u`, `git diff` format) between two texts, line by line; `''` when they
 * are equal. The labels are printed as given, so `a/`/`b/` prefixes make it `git apply`-able.
 *
 * @example
 * ```ts
 * unifiedDiff('a\nb\n', 'a\nc\n', { oldLabel: 'a/f.ts', newLabel: 'b/f.ts' });
 * // --- a/f.ts
 * // +++ b/f.ts
 * // @@ -1,2 +1,2 @@
 * //  a
 * // -b
 * // +c
 * ```
 */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const before = splitLines(oldText);
  const after = splitLines(newText);
  const ops = diffLines(before.lines, after.lines);
  const out: string[] = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`];
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  let hunkStart = 0;
  while (hunkStart < changed.length) {
    // Changes closer than two contexts apart share a hunk.
    let hunkEnd = hunkStart;
    while (
      hunkEnd + 1 < changed.length &&
      (changed[hunkEnd + 1] as number) - (changed[hunkEnd] as number) <= 2 * context + 1
    ) {
      hunkEnd++;
    }
    const from = Math.max(0, (changed[hunkStart] as number) - context);
    const to = Math.min(ops.length, (changed[hunkEnd] as number) + context + 1);
    out.push(...hunk(ops, from, to, before, after));
    hunkStart = hunkEnd + 1;
  }
  return `${out.join('\n')}\n`;
}

function hunk(ops: readonly Op[], from: number, to: number, before: Lines, after: Lines): string[] {
  let oldLine = 0;
  let newLine = 0;
  for (const op of ops.slice(0, from)) {
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  const body: string[] = [];
  let oldCount = 0;
  let newCount = 0;
  for (const op of ops.slice(from, to)) {
    body.push(`${op.kind}${op.line}`);
    if (op.kind !== '+') oldCount++;
    if (op.kind !== '-') newCount++;
    // The last line of a side without a final line break says so, as diff(1) does.
    const lastOld = op.kind !== '+' && oldLine + oldCount === before.lines.length;
    const lastNew = op.kind !== '-' && newLine + newCount === after.lines.length;
    if ((lastOld && !before.finalNewline) || (lastNew && !after.finalNewline)) {
      body.push('\\ No newline at end of file');
    }
  }
  const range = (start: number, count: number): string =>
    count === 1 ? `${start + 1}` : `${count === 0 ? start : start + 1},${count}`;
  return [`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body];
}

/** A shortest edit script (Myers' O(ND) algorithm) after trimming the common prefix and suffix. */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++;
  }
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  const same = (line: string): Op => ({ kind: ' ', line });
  return [
    ...a.slice(0, prefix).map(same),
    ...myers(midA, midB),
    ...a.slice(a.length - suffix).map(same),
  ];
}

function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down =
        k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // Walk the trace back from (n, m) to (0, 0).
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const saved = trace[d] as Int32Array;
    const k = x - y;
    const down =
      k === -d ||
      (k !== d && (saved[offset + k - 1] as number) < (saved[offset + k + 1] as number));
    const previousK = down ? k + 1 : k - 1;
    const previousX = saved[offset + previousK] as number;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      ops.push({ kind: ' ', line: a[--x] as string });
      y--;
    }
    if (d > 0) {
      if (down) ops.push({ kind: '+', line: b[--y] as string });
      else ops.push({ kind: '-', line: a[--x] as string });
    }
  }
  return ops.reverse();
}
