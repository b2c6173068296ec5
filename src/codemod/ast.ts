// A deliberately small, typed view of the Babel AST that recast produces. The codemod mutates these
// nodes in place (recast reprints only what changed), so it needs parents and nothing heavier.

/**
 * One node of the Babel AST as recast parses it: a `type` plus fields.
 *
 * @example
 * ```ts
 * const node: AstNode = { type: 'Identifier', name: 'AiAccessToken' };
 * ```
 */
export interface AstNode {
  type: string;
  [field: string]: unknown;
}

/** Where a node hangs: `parent[key]`, or `parent[key][index]` for list fields. */
export interface ParentLink {
  readonly parent: AstNode;
  readonly key: string;
}

// Fields that hold positions, tokens or comments, never child nodes to rewrite.
const SKIPPED_FIELDS: ReadonlySet<string> = new Set([
  'loc',
  'start',
  'end',
  'range',
  'extra',
  'tokens',
  'comments',
  'leadingComments',
  'trailingComments',
  'innerComments',
]);

/** Whether `value` is an AST node. */
export function isNode(value: unknown): value is AstNode {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

/** Whether a node is of one of the given types (no narrowing: use it on nodes already known). */
export function hasType(node: AstNode, ...types: string[]): boolean {
  return types.includes(node.type);
}

/**
 * A node whose type was just checked. The brand keeps TypeScript from concluding, in the `false`
 * branch of {@link isType}, that a value typed `AstNode` cannot be a node at all.
 */
export interface CheckedNode extends AstNode {
  readonly checkedType?: never;
}

/** Whether `value` is a node of one of the given types. */
export function isType(value: unknown, ...types: string[]): value is CheckedNode {
  return isNode(value) && types.includes(value.type);
}

/** The node in `node[field]`, if it is one. */
export function field(node: AstNode, name: string): AstNode | undefined {
  const value = node[name];
  return isNode(value) ? value : undefined;
}

/** The nodes in the list `node[field]` (holes and non-nodes dropped). */
export function list(node: AstNode, name: string): AstNode[] {
  const value = node[name];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** The name of an `Identifier` node, else undefined. */
export function identifierName(value: unknown): string | undefined {
  return isType(value, 'Identifier') ? (value['name'] as string) : undefined;
}

/** The value of a string literal node (`StringLiteral`, or ESTree `Literal` with a string). */
export function stringValue(value: unknown): string | undefined {
  if (!isType(value, 'StringLiteral', 'Literal')) return undefined;
  const text = value['value'];
  return typeof text === 'string' ? text : undefined;
}

/** The name a non-computed property key spells (`foo` or `'foo'`), else undefined. */
export function staticKeyName(node: AstNode): string | undefined {
  if (node['computed'] === true) return undefined;
  const key = field(node, 'key');
  return identifierName(key) ?? stringValue(key);
}

/** Parent links of every node below `root`, built in one walk. */
export class TreeIndex {
  private readonly parents = new Map<AstNode, ParentLink>();
  /** Every node, in source (depth-first, pre-order) order. */
  readonly nodes: AstNode[] = [];

  constructor(root: AstNode) {
    const stack: [AstNode, ParentLink | undefined][] = [[root, undefined]];
    while (stack.length > 0) {
      const [node, link] = stack.pop() as [AstNode, ParentLink | undefined];
      this.nodes.push(node);
      if (link) this.parents.set(node, link);
      const pending: [AstNode, ParentLink][] = [];
      for (const key of Object.keys(node)) {
        if (SKIPPED_FIELDS.has(key)) continue;
        const value = node[key];
        if (Array.isArray(value)) {
          for (const item of value) {
            if (isNode(item)) pending.push([item, { parent: node, key }]);
          }
        } else if (isNode(value)) {
          pending.push([value, { parent: node, key }]);
        }
      }
      for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i] as [AstNode, ParentLink]);
    }
  }

  /** The node's parent and the field it sits in; undefined for the root. */
  link(node: AstNode): ParentLink | undefined {
    return this.parents.get(node);
  }

  /** The node's ancestors, nearest first. */
  *ancestors(node: AstNode): Generator<{ node: AstNode; from: AstNode; key: string }> {
    let current = node;
    for (let link = this.link(current); link; link = this.link(current)) {
      yield { node: link.parent, from: current, key: link.key };
      current = link.parent;
    }
  }
}
