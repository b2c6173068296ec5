// Lexical name resolution, just enough to tell whether an identifier is the binding imported from
// 'ai-access-token' or something that shadows it. ast-types' own scope tracker hoists `let`/`const`
// out of blocks and ignores TypeScript enums and namespaces, which is exactly where shadowing hides.
import {
  field,
  hasType,
  identifierName,
  isNode,
  isType,
  list,
  type AstNode,
  type TreeIndex,
} from './ast';

/** Which meaning of a name a reference looks up: a value, or a type. */
export type Meaning = 'value' | 'type';

/** Where a name is declared: its identifier, and the node whose scope holds it. */
export interface Declaration {
  readonly id: AstNode;
  readonly scope: AstNode;
}

interface Declared {
  readonly id: AstNode;
  readonly meanings: readonly Meaning[];
}

const VALUE: readonly Meaning[] = ['value'];
const TYPE: readonly Meaning[] = ['type'];
const BOTH: readonly Meaning[] = ['value', 'type'];

const FUNCTION_TYPES: ReadonlySet<string> = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
  'TSDeclareFunction',
  'TSDeclareMethod',
]);

const STATEMENT_LIST_TYPES: ReadonlySet<string> = new Set([
  'Program',
  'BlockStatement',
  'StaticBlock',
  'TSModuleBlock',
]);

/** Resolves names from a position in one parsed file. */
export class ScopeResolver {
  private readonly cache = new Map<AstNode, Map<string, Declared[]>>();

  constructor(private readonly tree: TreeIndex) {}

  /** The nearest declaration of `name` (with the given meaning) visible from `from`; null if global. */
  resolve(name: string, meaning: Meaning, from: AstNode): Declaration | null {
    for (const { node } of this.tree.ancestors(from)) {
      const found = this.declarations(node)
        .get(name)
        ?.find((declared) => declared.meanings.includes(meaning));
      if (found) return { id: found.id, scope: node };
    }
    return null;
  }

  /** The declarations a scope-creating node introduces, by name. */
  private declarations(node: AstNode): Map<string, Declared[]> {
    let names = this.cache.get(node);
    if (!names) {
      names = new Map();
      const add = (id: AstNode | undefined, meanings: readonly Meaning[]): void => {
        const name = identifierName(id);
        if (name === undefined || !id) return;
        const known = names?.get(name) ?? [];
        known.push({ id, meanings });
        names?.set(name, known);
      };
      collectDeclarations(node, this.tree, add);
      this.cache.set(node, names);
    }
    return names;
  }
}

type Add = (id: AstNode | undefined, meanings: readonly Meaning[]) => void;

function collectDeclarations(node: AstNode, tree: TreeIndex, add: Add): void {
  collectTypeParameters(node, add);
  if (STATEMENT_LIST_TYPES.has(node.type)) {
    for (const statement of list(node, 'body')) collectStatement(statement, add);
    const parent = tree.link(node)?.parent;
    // `var` belongs to the whole function (or program), wherever its block is.
    if (node.type === 'Program' || (parent && FUNCTION_TYPES.has(parent.type))) {
      for (const statement of list(node, 'body')) collectNestedVars(statement, add, true);
    }
  } else if (node.type === 'SwitchStatement') {
    for (const branch of list(node, 'cases')) {
      for (const statement of list(branch, 'consequent')) collectStatement(statement, add);
    }
  } else if (FUNCTION_TYPES.has(node.type)) {
    for (const param of list(node, 'params')) collectPattern(param, add, VALUE);
    if (node.type === 'FunctionExpression') add(field(node, 'id'), VALUE);
  } else if (node.type === 'ClassExpression') {
    add(field(node, 'id'), BOTH);
  } else if (node.type === 'CatchClause') {
    collectPattern(field(node, 'param'), add, VALUE);
  } else if (hasType(node, 'ForStatement', 'ForInStatement', 'ForOfStatement')) {
    const head = field(node, node.type === 'ForStatement' ? 'init' : 'left');
    if (isType(head, 'VariableDeclaration')) collectStatement(head, add);
  }
}

function collectTypeParameters(node: AstNode, add: Add): void {
  const declaration = field(node, 'typeParameters');
  const params = isType(declaration, 'TSTypeParameterDeclaration', 'TypeParameterDeclaration')
    ? list(declaration, 'params')
    : [];
  const mapped = node.type === 'TSMappedType' ? field(node, 'typeParameter') : undefined;
  for (const param of mapped ? [...params, mapped] : params) {
    // Babel gives TSTypeParameter a string `name`; wrap it so callers always see an identifier.
    const name = param['name'];
    if (typeof name === 'string') add({ type: 'Identifier', name, loc: param['loc'] }, TYPE);
    else add(field(param, 'name'), TYPE);
  }
}

function collectStatement(statement: AstNode, add: Add): void {
  const declaration = hasType(statement, 'ExportNamedDeclaration', 'ExportDefaultDeclaration')
    ? field(statement, 'declaration')
    : statement;
  if (!declaration) return;
  switch (declaration.type) {
    case 'VariableDeclaration':
      for (const declarator of list(declaration, 'declarations')) {
        collectPattern(field(declarator, 'id'), add, VALUE);
      }
      return;
    case 'FunctionDeclaration':
    case 'TSDeclareFunction':
      add(field(declaration, 'id'), VALUE);
      return;
    case 'ClassDeclaration':
    case 'TSEnumDeclaration':
    case 'TSModuleDeclaration':
    case 'TSImportEqualsDeclaration':
      add(field(declaration, 'id'), BOTH);
      return;
    case 'TSTypeAliasDeclaration':
    case 'TSInterfaceDeclaration':
      add(field(declaration, 'id'), TYPE);
      return;
    case 'ImportDeclaration':
      for (const specifier of list(declaration, 'specifiers')) add(field(specifier, 'local'), BOTH);
      return;
    default:
      return;
  }
}

/** `var` declarations below `node`, not crossing into nested functions. */
function collectNestedVars(node: AstNode, add: Add, top: boolean): void {
  if (FUNCTION_TYPES.has(node.type) || hasType(node, 'ClassDeclaration', 'ClassExpression')) return;
  if (node.type === 'VariableDeclaration') {
    if (!top && node['kind'] === 'var') collectStatement(node, add);
    return;
  }
  if (node.type.endsWith('Expression')) return;
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'comments') continue;
    const value = node[key];
    const children = Array.isArray(value) ? value : [value];
    for (const child of children) {
      if (isNode(child)) collectNestedVars(child, add, false);
    }
  }
}

function collectPattern(
  pattern: AstNode | undefined,
  add: Add,
  meanings: readonly Meaning[],
): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      add(pattern, meanings);
      return;
    case 'ObjectPattern':
      for (const property of list(pattern, 'properties')) {
        collectPattern(
          property.type === 'RestElement' ? property : field(property, 'value'),
          add,
          meanings,
        );
      }
      return;
    case 'ArrayPattern':
      for (const element of list(pattern, 'elements')) collectPattern(element, add, meanings);
      return;
    case 'AssignmentPattern':
      collectPattern(field(pattern, 'left'), add, meanings);
      return;
    case 'RestElement':
      collectPattern(field(pattern, 'argument'), add, meanings);
      return;
    case 'TSParameterProperty':
      collectPattern(field(pattern, 'parameter'), add, meanings);
      return;
  }
}
