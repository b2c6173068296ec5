// Edits applied to the original text, never a reprint: everything the codemod does not touch keeps
// its exact bytes (formatting, comments, quotes, trailing commas, line endings).
import { list, type AstNode, type ParentLink, type TreeIndex } from './ast';

interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

const STATEMENT_LISTS: ReadonlySet<string> = new Set(['body', 'consequent']);

// recast hands the parser a normalised copy of the text: line breaks become \n and indentation
// tabs become spaces (tab width 4). Node positions refer to that copy, so they are mapped back to
// the original text through each line's indentation.
const LINE_BREAK = /\r\n|\r(?!\n)|\n|\u2028|\u2029/g;
const TAB_WIDTH = 4;

interface LineInfo {
  readonly start: number;
  /** Length of the original leading whitespace. */
  readonly indent: number;
  /** Width recast gave that whitespace. */
  readonly normalizedIndent: number;
  /** Where the line starts in recast's normalised copy. */
  readonly normalizedStart: number;
}

function indentWidth(whitespace: string): number {
  let width = 0;
  for (const char of whitespace) {
    if (char === '\t') width = (Math.floor(width / TAB_WIDTH) + 1) * TAB_WIDTH;
    else if (char !== '\v' && char !== '\f' && char !== '\ufeff') width++;
  }
  return width;
}

function lineTable(source: string): LineInfo[] {
  const lines: LineInfo[] = [];
  let start = 0;
  let normalizedStart = 0;
  const addLine = (end: number): void => {
    const text = source.slice(start, end);
    // The line holds no line break, so what trimStart drops is exactly its leading whitespace.
    const whitespace = text.slice(0, text.length - text.trimStart().length);
    const normalizedIndent = indentWidth(whitespace);
    lines.push({ start, indent: whitespace.length, normalizedIndent, normalizedStart });
    normalizedStart += normalizedIndent + text.length - whitespace.length + 1;
  };
  for (const match of source.matchAll(LINE_BREAK)) {
    addLine(match.index);
    start = match.index + match[0].length;
  }
  addLine(source.length);
  return lines;
}

interface Loc {
  readonly line: number;
  readonly column: number;
}

/** Collects replacements, insertions and list-item removals, then applies them in one pass. */
export class SourceEdits {
  private readonly edits: TextEdit[] = [];
  private readonly removed = new Set<AstNode>();
  private readonly lines: LineInfo[];

  constructor(
    /** The original text. */
    readonly source: string,
    private readonly tree: TreeIndex,
  ) {
    this.lines = lineTable(source);
  }

  /** 1-based line and column of a node's start in the original text, as editors count them. */
  positionOf(node: AstNode): { line: number; column: number } {
    const { line, column } = this.locOf(node, 'start');
    return { line, column: this.originalColumn(line, column) + 1 };
  }

  private originalColumn(line: number, column: number): number {
    const info = this.lines[line - 1] as LineInfo;
    if (column < info.normalizedIndent) return column;
    return column - info.normalizedIndent + info.indent;
  }

  private offset(point: Loc): number {
    const info = this.lines[point.line - 1] as LineInfo;
    return info.start + this.originalColumn(point.line, point.column);
  }

  private offsets(node: AstNode): { start: number; end: number } {
    return {
      start: this.offset(this.locOf(node, 'start')),
      end: this.offset(this.locOf(node, 'end')),
    };
  }

  /**
   * A node's line and column in recast's copy: from `loc`, or, for the few nodes recast leaves
   * without one, from the parser's `start`/`end` offsets.
   */
  private locOf(node: AstNode, which: 'start' | 'end'): Loc {
    const loc = node['loc'] as { start?: Partial<Loc>; end?: Partial<Loc> } | null | undefined;
    const point = loc?.[which];
    if (typeof point?.line === 'number' && typeof point.column === 'number') {
      return { line: point.line, column: point.column };
    }
    const offset = node[which];
    if (typeof offset !== 'number') {
      throw new TypeError(`the parser gave no position for a ${node.type} node`);
    }
    let low = 0;
    let high = this.lines.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((this.lines[middle] as LineInfo).normalizedStart <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - (this.lines[low] as LineInfo).normalizedStart };
  }

  /** The end-of-line sequence the file uses. */
  get eol(): string {
    return this.source.includes('\r\n') ? '\r\n' : '\n';
  }

  /** The original text of a node. */
  textOf(node: AstNode): string {
    const { start, end } = this.offsets(node);
    return this.source.slice(start, end);
  }

  replace(node: AstNode, text: string): void {
    this.edits.push({ ...this.offsets(node), text });
  }

  insert(at: number, text: string): void {
    this.edits.push({ start: at, end: at, text });
  }

  /**
   * Removes a node from the list it sits in (an import specifier, a destructured property, a
   * declarator, a statement), with its separating comma. A list left empty takes its container
   * with it: the import declaration, the `const` statement.
   */
  remove(node: AstNode): void {
    this.removed.add(node);
  }

  /** `start` of a node, for insertions. */
  startOf(node: AstNode): number {
    return this.offsets(node).start;
  }

  /** `end` of a node, for insertions. */
  endOf(node: AstNode): number {
    return this.offsets(node).end;
  }

  /** The source with every edit applied. */
  apply(): string {
    const edits = [...this.edits, ...this.removalEdits()];
    const seen = new Set<string>();
    const unique = edits.filter((edit) => {
      const key = `${edit.start}:${edit.end}:${edit.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    unique.sort((a, b) => b.start - a.start || b.end - a.end);
    let output = this.source;
    let limit = Number.POSITIVE_INFINITY;
    for (const edit of unique) {
      // Overlaps cannot be applied faithfully; the planner never produces them.
      if (edit.end > limit) throw new Error('overlapping source edits');
      output = output.slice(0, edit.start) + edit.text + output.slice(edit.end);
      limit = edit.start;
    }
    return output;
  }

  private removalEdits(): TextEdit[] {
    // Empty lists remove their containers, up the tree.
    let grew = true;
    while (grew) {
      grew = false;
      for (const group of this.groups()) {
        const container = this.containerOf(group.parent, group.key);
        if (group.items.every((item) => this.removed.has(item)) && container) {
          if (!this.removed.has(container)) {
            this.removed.add(container);
            grew = true;
          }
        }
      }
    }
    const edits: TextEdit[] = [];
    for (const group of this.groups()) {
      const container = this.containerOf(group.parent, group.key);
      if (container && this.removed.has(container)) continue;
      if (STATEMENT_LISTS.has(group.key)) {
        for (const item of group.items) {
          if (this.removed.has(item)) edits.push(this.statementRemoval(item));
        }
      } else {
        edits.push(...this.commaListRemovals(group.items));
      }
    }
    return edits;
  }

  private groups(): { parent: AstNode; key: string; items: AstNode[] }[] {
    const byList = new Map<string, { parent: AstNode; key: string; items: AstNode[] }>();
    const ids = new Map<AstNode, number>();
    for (const node of this.removed) {
      // Only nodes inside a list are ever removed, so every one has a parent.
      const link = this.tree.link(node) as ParentLink;
      if (!ids.has(link.parent)) ids.set(link.parent, ids.size);
      const id = `${String(ids.get(link.parent))}:${link.key}`;
      if (!byList.has(id)) {
        byList.set(id, { parent: link.parent, key: link.key, items: list(link.parent, link.key) });
      }
    }
    return [...byList.values()];
  }

  /** What must go when this list is empty; undefined when an empty list is fine. */
  private containerOf(parent: AstNode, key: string): AstNode | undefined {
    if (parent.type === 'ImportDeclaration' && key === 'specifiers') return parent;
    // An exported declaration is never removed: the planner leaves exported bindings alone.
    if (parent.type === 'VariableDeclaration' && key === 'declarations') return parent;
    // The planner only removes properties of a `const {…} = require(…)` pattern: its declarator goes.
    if (parent.type === 'ObjectPattern' && key === 'properties') {
      return (this.tree.link(parent) as ParentLink).parent;
    }
    return undefined;
  }

  private commaListRemovals(items: AstNode[]): TextEdit[] {
    const edits: TextEdit[] = [];
    let index = 0;
    while (index < items.length) {
      if (!this.removed.has(items[index] as AstNode)) {
        index++;
        continue;
      }
      const first = index;
      while (index < items.length && this.removed.has(items[index] as AstNode)) index++;
      const last = index - 1;
      const next = items[index];
      const previous = items[first - 1];
      if (next) {
        edits.push({
          start: this.startOf(items[first] as AstNode),
          end: this.startOf(next),
          text: '',
        });
      } else {
        // A list emptied entirely went with its container, so a run reaching the end has a previous item.
        edits.push({
          start: this.endOf(previous as AstNode),
          end: this.endOf(items[last] as AstNode),
          text: '',
        });
      }
    }
    return edits;
  }

  /**
   * A statement with the blanks around it: its whole line (line break included) when it has the
   * line to itself, else the spaces that separated it from its neighbour on the line.
   */
  private statementRemoval(statement: AstNode): TextEdit {
    const { start, end } = this.offsets(statement);
    let lineStart = start;
    while (
      lineStart > 0 &&
      (this.source[lineStart - 1] === ' ' || this.source[lineStart - 1] === '\t')
    ) {
      lineStart--;
    }
    let lineEnd = end;
    while (this.source[lineEnd] === ' ' || this.source[lineEnd] === '\t') lineEnd++;
    const atLineStart = lineStart === 0 || this.source[lineStart - 1] === '\n';
    const lineBreak = /^(?:\r\n|\n|$)/.exec(this.source.slice(lineEnd, lineEnd + 2));
    if (atLineStart && lineBreak)
      return { start: lineStart, end: lineEnd + lineBreak[0].length, text: '' };
    if (atLineStart) return { start, end: lineEnd, text: '' };
    return { start: lineStart, end, text: '' };
  }
}
