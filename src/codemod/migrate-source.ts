import { CODE_SUGGESTIONS_SCOPE } from '../constants';
import {
  field,
  hasType,
  identifierName,
  isType,
  list,
  staticKeyName,
  stringValue,
  TreeIndex,
  type AstNode,
  type ParentLink,
} from './ast';
import { ScopeResolver, type Meaning } from './scope';
import { SourceEdits } from './source-edits';

/** The module whose bindings the codemod follows. */
export const MIGRATED_MODULE = 'ai-access-token';

/** The old exported names and what each becomes. */
export const RENAMED_EXPORTS = {
  CodeSuggestionsAccessToken: 'AiAccessToken',
  CodeSuggestionsAccessTokenOptions: 'AiAccessTokenOptions',
} as const;

type OldName = keyof typeof RENAMED_EXPORTS;

/**
 * A call site the codemod would not rewrite, for a person to migrate by hand.
 *
 * @example
 * ```ts
 * const site: SiteLeft = { line: 12, column: 15, reason: 'options are passed as a variable (opts)…' };
 * ```
 */
export interface SiteLeft {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** Why it was left, and what to do. */
  readonly reason: string;
}

/**
 * The outcome of migrating one file's text.
 *
 * @example
 * ```ts
 * const result: SourceMigration = migrateSource(j, source);
 * if (result.changed) fs.writeFileSync(file, result.output);
 * ```
 */
export interface SourceMigration {
  /** The new text; the input itself when nothing changed. */
  readonly output: string;
  readonly changed: boolean;
  /** Import specifiers, `require` bindings and uses rewritten. */
  readonly sitesRewritten: number;
  /** Sites that kept the file unchanged. Empty when the file was migrated or had nothing to do. */
  readonly sitesLeft: readonly SiteLeft[];
}

/**
 * The slice of jscodeshift the codemod needs: parse text into a collection, print it back. Both
 * `api.jscodeshift` inside a transform and `require('jscodeshift').withParser(name)` fit.
 *
 * @example
 * ```ts
 * const j: Codeshift = require('jscodeshift').withParser('tsx');
 * ```
 */
export type Codeshift = (source: string) => { get(): unknown };

/**
 * Rewrites the uses of `CodeSuggestionsAccessToken` (and its options type) imported from
 * `ai-access-token` in one file. Either every use in the file is rewritten, or, when one of them
 * cannot be rewritten safely, none is and the file comes back unchanged with the reasons.
 *
 * @example
 * ```ts
 * const j = require('jscodeshift').withParser('tsx');
 * const { output } = migrateSource(
 *   j,
 *   "import { CodeSuggestionsAccessToken } from 'ai-access-token';\nnew CodeSuggestionsAccessToken({ subject: 'u' });\n",
 * );
 * // import { AiAccessToken } from 'ai-access-token';
 * // new AiAccessToken({ subject: 'u', scopes: ['code_suggestions'] });
 * ```
 */
export function migrateSource(j: Codeshift, source: string): SourceMigration {
  const unchanged: SourceMigration = {
    output: source,
    changed: false,
    sitesRewritten: 0,
    sitesLeft: [],
  };
  // Cheap pre-filter: most files of a code base never mention the old class.
  if (!source.includes(MIGRATED_MODULE) || !source.includes('CodeSuggestionsAccessToken')) {
    return unchanged;
  }
  // jscodeshift only parses here: edits go to the original text, so untouched code keeps its bytes.
  const file = (j(source).get() as { node: AstNode }).node;
  const plan = new MigrationPlan(file, source);
  if (plan.sitesLeft.length > 0) return { ...unchanged, sitesLeft: plan.sitesLeft };
  if (plan.edits.length === 0) return unchanged;
  for (const edit of plan.edits) edit();
  const output = plan.text.apply();
  return {
    output,
    changed: output !== source,
    sitesRewritten: plan.sitesRewritten,
    sitesLeft: [],
  };
}

/** A name bound, in this file, to an export of the module. */
interface ModuleBinding {
  readonly imported: string;
  readonly local: AstNode;
  readonly typeOnly: boolean;
  /** `export const … = require(…)`: the name is part of this module's public API. */
  readonly exported: boolean;
  /** Removes the binding (its specifier, property or declarator) from the file. */
  readonly remove: () => void;
  /** Makes the binding import `name` instead, keeping the local name. */
  readonly renameImported: (name: string) => void;
}

/** A place that evaluates to (or names the type of) one of the old exports. */
interface Use {
  readonly oldName: OldName;
  readonly expr: AstNode;
  /** Renames the use itself; undefined when the use keeps its (aliased) name. */
  readonly rename: (() => void) | undefined;
}

function isOldName(name: string | undefined): name is OldName {
  return name !== undefined && Object.hasOwn(RENAMED_EXPORTS, name);
}

function isModuleSource(node: AstNode | undefined): boolean {
  if (isType(node, 'TSLiteralType')) return stringValue(field(node, 'literal')) === MIGRATED_MODULE;
  return stringValue(node) === MIGRATED_MODULE;
}

const WHY_SCOPES = `the old class defaulted scopes to ['${CODE_SUGGESTIONS_SCOPE}'] and AiAccessToken requires them`;

class MigrationPlan {
  readonly sitesLeft: SiteLeft[] = [];
  readonly edits: (() => void)[] = [];
  sitesRewritten = 0;
  quote: 'single' | 'double' = 'single';

  readonly text: SourceEdits;
  private readonly tree: TreeIndex;
  private readonly scopes: ScopeResolver;
  private readonly bindings = new Map<AstNode, ModuleBinding>();
  private readonly namespaces: AstNode[] = [];
  private readonly uses: Use[] = [];
  private readonly scopesAdded = new Set<AstNode>();
  private quoteSeen = false;

  constructor(file: AstNode, source: string) {
    this.tree = new TreeIndex(file);
    this.scopes = new ScopeResolver(this.tree);
    this.text = new SourceEdits(source, this.tree);
    for (const node of this.tree.nodes) this.visitModuleReference(node);
    for (let i = 0; i < this.namespaces.length; i++) {
      this.followNamespace(this.namespaces[i] as AstNode);
    }
    for (const binding of [...this.bindings.values()]) {
      if (isOldName(binding.imported)) this.planBinding(binding, binding.imported);
    }
    for (const use of this.uses) this.planUse(use);
    this.sitesLeft.sort((a, b) => a.line - b.line || a.column - b.column);
  }

  // --- finding the module's bindings -------------------------------------------------------------

  private visitModuleReference(node: AstNode): void {
    switch (node.type) {
      case 'ImportDeclaration':
        if (this.isModule(field(node, 'source'))) this.visitImport(node);
        return;
      case 'ExportNamedDeclaration':
        if (this.isModule(field(node, 'source'))) this.visitReExport(node);
        return;
      case 'ImportExpression':
        if (this.isModule(field(node, 'source'))) this.leaveDynamicImport(node);
        return;
      case 'CallExpression':
        this.visitCall(node);
        return;
      case 'TSImportEqualsDeclaration': {
        const reference = field(node, 'moduleReference');
        if (
          isType(reference, 'TSExternalModuleReference') &&
          this.isModule(field(reference, 'expression'))
        ) {
          this.addNamespace(field(node, 'id'));
        }
        return;
      }
      case 'TSImportType': {
        const qualifier = field(node, 'qualifier');
        const name = identifierName(qualifier);
        if (isModuleSource(field(node, 'argument')) && isOldName(name)) {
          this.uses.push({
            oldName: name,
            expr: node,
            rename: () => {
              this.renameIdentifier(qualifier, RENAMED_EXPORTS[name]);
            },
          });
        }
        return;
      }
      default:
        return;
    }
  }

  private isModule(source: AstNode | undefined): boolean {
    if (!isModuleSource(source) || !source) return false;
    if (!this.quoteSeen) {
      this.quoteSeen = true;
      const raw = (source['extra'] as { raw?: unknown } | undefined)?.raw;
      if (typeof raw === 'string' && raw.startsWith('"')) this.quote = 'double';
    }
    return true;
  }

  private visitImport(declaration: AstNode): void {
    const typeOnlyDeclaration = declaration['importKind'] === 'type';
    for (const specifier of list(declaration, 'specifiers')) {
      const local = field(specifier, 'local');
      if (specifier.type !== 'ImportSpecifier') {
        this.addNamespace(local);
        continue;
      }
      const importedNode = field(specifier, 'imported');
      const imported = identifierName(importedNode) ?? stringValue(importedNode);
      if (!local || imported === undefined) continue;
      this.bindings.set(local, {
        imported,
        local,
        typeOnly: typeOnlyDeclaration || specifier['importKind'] === 'type',
        exported: false,
        remove: () => {
          this.text.remove(specifier);
        },
        renameImported: (name) => {
          if (identifierName(local) === name) {
            // `Old as AiAccessToken` becomes plain `AiAccessToken` (keeping a `type` modifier).
            const kind = specifier['importKind'] === 'type' ? 'type ' : '';
            this.text.replace(specifier, `${kind}${name}`);
          } else if (importedNode) {
            this.text.replace(importedNode, name);
          }
        },
      });
    }
  }

  private visitReExport(declaration: AstNode): void {
    for (const specifier of list(declaration, 'specifiers')) {
      const local = field(specifier, 'local');
      const name = identifierName(local) ?? stringValue(local);
      if (isOldName(name)) {
        this.leave(
          specifier,
          `re-exports ${name} from ${MIGRATED_MODULE}: that is this module's public API and renaming it would break its importers; export ${RENAMED_EXPORTS[name]} beside it and drop the old name in a major release`,
        );
      }
    }
  }

  private leaveDynamicImport(node: AstNode): void {
    this.leave(
      node,
      `dynamic import('${MIGRATED_MODULE}'): the codemod does not follow the module object it resolves to; rewrite its uses of CodeSuggestionsAccessToken by hand`,
    );
  }

  private visitCall(call: AstNode): void {
    const callee = field(call, 'callee');
    const [argument] = list(call, 'arguments');
    if (isType(callee, 'Import')) {
      if (this.isModule(argument)) this.leaveDynamicImport(call);
      return;
    }
    if (identifierName(callee) !== 'require' || !this.isModule(argument) || !callee) return;
    // A local function called `require` is not Node's.
    if (this.scopes.resolve('require', 'value', callee)) return;
    this.followModuleValue(call);
  }

  /** `node` evaluates to the module object: see what the code does with it. */
  private followModuleValue(node: AstNode): void {
    // A call or an identifier reference: never the root, so it has a parent.
    const { parent, key } = this.tree.link(node) as ParentLink;
    if (parent.type === 'VariableDeclarator' && key === 'init') {
      const id = field(parent, 'id');
      if (isType(id, 'Identifier')) this.addNamespace(id);
      else if (isType(id, 'ObjectPattern')) this.visitDestructuring(id, this.isExported(parent));
    } else if (
      hasType(parent, 'MemberExpression', 'OptionalMemberExpression') &&
      key === 'object'
    ) {
      this.visitModuleMember(parent);
    } else if (parent.type === 'TSQualifiedName' && key === 'left') {
      const right = field(parent, 'right');
      const name = identifierName(right);
      if (isOldName(name)) {
        this.uses.push({
          oldName: name,
          expr: parent,
          rename: () => {
            this.renameIdentifier(right, RENAMED_EXPORTS[name]);
          },
        });
      }
    }
  }

  private addNamespace(id: AstNode | undefined): void {
    if (isType(id, 'Identifier') && !this.namespaces.includes(id)) this.namespaces.push(id);
  }

  private followNamespace(id: AstNode): void {
    for (const reference of this.referencesTo(id)) this.followModuleValue(reference.node);
  }

  /** Whether a declarator sits in `export const …`. */
  private isExported(declarator: AstNode): boolean {
    const declaration = (this.tree.link(declarator) as ParentLink).parent;
    return this.tree.link(declaration)?.parent.type === 'ExportNamedDeclaration';
  }

  private visitDestructuring(pattern: AstNode, exported: boolean): void {
    for (const property of list(pattern, 'properties')) {
      if (property.type === 'RestElement') {
        this.addNamespace(field(property, 'argument'));
        continue;
      }
      const imported = staticKeyName(property);
      if (imported === undefined) {
        this.leave(
          property,
          `computed key in a destructuring of ${MIGRATED_MODULE}: cannot tell whether it takes CodeSuggestionsAccessToken`,
        );
        continue;
      }
      const value = field(property, 'value');
      const local = isType(value, 'AssignmentPattern') ? field(value, 'left') : value;
      if (!isType(local, 'Identifier')) continue;
      this.bindings.set(local, {
        imported,
        local,
        typeOnly: false,
        exported,
        remove: () => {
          this.text.remove(property);
        },
        renameImported: (name) => {
          const key = field(property, 'key');
          if (identifierName(local) === name && local === value) {
            this.text.replace(property, name); // `{ Old: AiAccessToken }` becomes `{ AiAccessToken }`
          } else if (key) {
            this.text.replace(key, name);
          }
        },
      });
    }
  }

  private visitModuleMember(member: AstNode): void {
    const property = field(member, 'property');
    if (member['computed'] === true) {
      const key = stringValue(property);
      if (key === undefined || isOldName(key)) {
        this.leave(
          member,
          `computed member access on ${MIGRATED_MODULE}: cannot tell whether it names CodeSuggestionsAccessToken; use a plain property name`,
        );
      }
      return;
    }
    const name = identifierName(property);
    if (name === undefined) return;
    const link = this.tree.link(member);
    const id = link && link.key === 'init' ? field(link.parent, 'id') : undefined;
    if (link?.parent.type === 'VariableDeclarator' && isType(id, 'Identifier')) {
      const declarator = link.parent;
      this.bindings.set(id, {
        imported: name,
        local: id,
        typeOnly: false,
        exported: this.isExported(declarator),
        remove: () => {
          this.text.remove(declarator);
        },
        renameImported: (newName) => {
          this.renameIdentifier(property, newName);
        },
      });
      return;
    }
    if (isOldName(name)) {
      this.uses.push({
        oldName: name,
        expr: member,
        rename: () => {
          this.renameIdentifier(property, RENAMED_EXPORTS[name]);
        },
      });
    }
  }

  private renameIdentifier(node: AstNode | undefined, name: string): void {
    if (isType(node, 'Identifier')) this.text.replace(node, name);
  }

  // --- references ----------------------------------------------------------------------------------

  /** Identifiers that resolve to the declaration `id`, with the meaning each looks up. */
  private referencesTo(id: AstNode): { node: AstNode; meaning: Meaning }[] {
    const name = identifierName(id);
    const found: { node: AstNode; meaning: Meaning }[] = [];
    for (const node of this.tree.nodes) {
      if (node === id || identifierName(node) !== name || name === undefined) continue;
      const meaning = referenceMeaning(node, this.tree);
      if (meaning && this.scopes.resolve(name, meaning, node)?.id === id) {
        found.push({ node, meaning });
      }
    }
    return found;
  }

  // --- planning the rewrite ----------------------------------------------------------------------------

  private planBinding(binding: ModuleBinding, oldName: OldName): void {
    const newName = RENAMED_EXPORTS[oldName];
    if (binding.exported) {
      this.leave(
        binding.local,
        `exports ${oldName} from ${MIGRATED_MODULE} under its own name: that is this module's public API and renaming it would break its importers; export ${newName} beside it and drop the old name in a major release`,
      );
      return;
    }
    const localName = identifierName(binding.local) as string;
    const references = this.referencesTo(binding.local);
    const aliased = localName !== oldName;
    for (const reference of references) {
      const node = reference.node;
      if (!aliased) {
        const clash = this.scopes.resolve(newName, reference.meaning, node);
        if (clash && !this.isBindingOf(clash.id, newName)) {
          this.leave(node, this.clashReason(newName, clash.id));
          continue;
        }
      }
      this.uses.push({
        oldName,
        expr: node,
        rename: aliased
          ? undefined
          : () => {
              this.renameIdentifier(node, newName);
            },
      });
    }
    this.sitesRewritten++;
    if (aliased) {
      // Keep the local alias: the author chose it (perhaps to avoid a clash); only the export changes.
      this.edits.push(() => {
        binding.renameImported(newName);
      });
      return;
    }
    const meaning: Meaning =
      oldName === 'CodeSuggestionsAccessToken' && !binding.typeOnly ? 'value' : 'type';
    const own = this.scopes.resolve(localName, meaning, binding.local);
    const existing = this.scopes.resolve(newName, meaning, binding.local);
    const renameInPlace = (): void => {
      this.renameIdentifier(binding.local, newName);
      binding.renameImported(newName);
    };
    if (!existing) {
      this.edits.push(renameInPlace);
      return;
    }
    const other = this.bindings.get(existing.id);
    if (!other || other.imported !== newName) {
      this.leave(binding.local, this.clashReason(newName, existing.id));
      return;
    }
    if (existing.scope !== own?.scope) {
      this.edits.push(renameInPlace);
    } else if (other.typeOnly && !binding.typeOnly) {
      // The existing import is type-only but the class is used as a value: keep ours, drop theirs.
      this.edits.push(() => {
        renameInPlace();
        other.remove();
      });
    } else {
      this.edits.push(() => {
        binding.remove();
      });
    }
  }

  private isBindingOf(id: AstNode, name: string): boolean {
    return this.bindings.get(id)?.imported === name;
  }

  private clashReason(name: string, id: AstNode): string {
    return `${name} is already declared here (line ${this.text.positionOf(id).line}) for something else than ${MIGRATED_MODULE}'s ${name}; rename one of them by hand`;
  }

  private planUse(use: Use): void {
    if (use.oldName === 'CodeSuggestionsAccessToken') this.planClassUse(use);
    else this.planOptionsTypeUse(use);
  }

  private planClassUse(use: Use): void {
    const { expr } = use;
    if (expr.type === 'TSImportType') {
      this.rewrite(use);
      return;
    }
    const { parent, key } = this.tree.link(expr) as ParentLink;
    switch (parent.type) {
      case 'NewExpression':
        if (key === 'callee') {
          this.planConstruction(use, parent);
          return;
        }
        break;
      case 'TSTypeReference':
      case 'TSTypeQuery':
      case 'TSExpressionWithTypeArguments':
      case 'TSClassImplements':
      case 'TSInterfaceHeritage':
      case 'MemberExpression':
      case 'OptionalMemberExpression':
        // Types, `implements`, and static members: AiAccessToken has all the old class had.
        if (key !== 'property') {
          this.rewrite(use);
          return;
        }
        break;
      case 'BinaryExpression':
        // Old instances are AiAccessToken instances too, so the test only gets broader.
        if (parent['operator'] === 'instanceof' && key === 'right') {
          this.rewrite(use);
          return;
        }
        break;
      case 'UnaryExpression':
        if (parent['operator'] === 'typeof') {
          this.rewrite(use);
          return;
        }
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (key === 'superClass') {
          this.leave(
            expr,
            `a class extends CodeSuggestionsAccessToken: it inherits the scopes default, and code that constructs the subclass may rely on it (${WHY_SCOPES}); pass scopes in its super() call, then rename`,
          );
          return;
        }
        break;
      case 'ExportSpecifier':
      case 'ExportDefaultDeclaration':
        this.leave(
          expr,
          `re-exports CodeSuggestionsAccessToken: importers of this module may construct it without scopes (${WHY_SCOPES}); export AiAccessToken beside it instead`,
        );
        return;
      default:
        break;
    }
    this.leave(
      expr,
      `CodeSuggestionsAccessToken is passed on as a value (assigned, returned, exported or given as an argument): code that constructs it elsewhere may rely on the scopes default (${WHY_SCOPES})`,
    );
  }

  private planConstruction(use: Use, construction: AstNode): void {
    const args = list(construction, 'arguments');
    const [options] = args;
    if (!options) {
      this.leave(construction, 'new CodeSuggestionsAccessToken() without options');
      return;
    }
    if (options.type === 'SpreadElement') {
      this.leave(
        options,
        `options are passed with a spread argument: the scopes default would be lost (${WHY_SCOPES}); pass an object literal`,
      );
      return;
    }
    if (options.type !== 'ObjectExpression') {
      const name = identifierName(options);
      this.leave(
        options,
        `options are passed as ${name === undefined ? 'an expression' : `a variable (${name})`}, not an object literal: the scopes default would be lost (${WHY_SCOPES}); add scopes: ['${CODE_SUGGESTIONS_SCOPE}'] where the options are built, then rename`,
      );
      return;
    }
    const planned = this.planOptionsObject(options);
    if (planned) this.rewrite(use, planned === 'added');
  }

  private planOptionsTypeUse(use: Use): void {
    const { expr } = use;
    const link = this.tree.link(expr);
    const typeNode =
      expr.type === 'TSImportType'
        ? expr
        : link?.parent.type === 'TSTypeReference' && link.key === 'typeName'
          ? link.parent
          : undefined;
    const literal = typeNode ? this.annotatedObjectLiteral(typeNode) : undefined;
    if (!literal) {
      this.leave(
        expr,
        `CodeSuggestionsAccessTokenOptions makes scopes optional but AiAccessTokenOptions requires them, and this use does not type an object literal the codemod can complete; add scopes: ['${CODE_SUGGESTIONS_SCOPE}'] to the values of this type, then rename it`,
      );
      return;
    }
    const planned = this.planOptionsObject(literal);
    if (planned) this.rewrite(use, planned === 'added');
  }

  /** The object literal a type annotates: `const o: T = {…}`, `{…} as T`, `{…} satisfies T`. */
  private annotatedObjectLiteral(typeNode: AstNode): AstNode | undefined {
    const link = this.tree.link(typeNode) as ParentLink;
    if (hasType(link.parent, 'TSAsExpression', 'TSSatisfiesExpression')) {
      const expression = field(link.parent, 'expression');
      return isType(expression, 'ObjectExpression') ? expression : undefined;
    }
    if (link.parent.type !== 'TSTypeAnnotation') return undefined;
    const annotated = this.tree.link(link.parent);
    if (annotated?.parent.type !== 'Identifier') return undefined;
    const declared = this.tree.link(annotated.parent);
    if (declared?.parent.type !== 'VariableDeclarator' || declared.key !== 'id') return undefined;
    const init = field(declared.parent, 'init');
    return isType(init, 'ObjectExpression') ? init : undefined;
  }

  /**
   * Plans adding `scopes: ['code_suggestions']` to an options literal that lacks it. False (with
   * the site left) when the literal may or may not set scopes.
   */
  private planOptionsObject(object: AstNode): 'added' | 'kept' | false {
    const properties = list(object, 'properties');
    let lastSpread = -1;
    let scopes: { index: number; property: AstNode } | undefined;
    for (const [index, property] of properties.entries()) {
      if (property.type === 'SpreadElement') {
        lastSpread = index;
        continue;
      }
      const name = staticKeyName(property);
      if (name === undefined) {
        this.leave(property, 'computed key in the options: cannot tell whether it sets scopes');
        return false;
      }
      if (name === 'scopes') scopes = { index, property };
    }
    if (scopes && scopes.index > lastSpread) {
      const { property } = scopes;
      const value = field(property, 'value');
      if (property.type !== 'ObjectProperty' && property.type !== 'Property') {
        this.leave(property, 'scopes is a method or accessor; set it to an array literal');
        return false;
      }
      if (identifierName(value) === 'undefined') {
        this.edits.push(() => {
          this.text.replace(value as AstNode, this.defaultScopes());
        });
        return 'added';
      }
      if (!isType(value, 'ArrayExpression')) {
        this.leave(
          property,
          `scopes is an expression that may be undefined at run time: the old class replaced undefined with ['${CODE_SUGGESTIONS_SCOPE}'], AiAccessToken throws; write \`?? ['${CODE_SUGGESTIONS_SCOPE}']\` after it if that can happen, then rename`,
        );
        return false;
      }
      return 'kept';
    }
    if (lastSpread >= 0) {
      this.leave(
        properties[lastSpread] as AstNode,
        `options spread another object, which may or may not set scopes: the default cannot be added safely (${WHY_SCOPES}); set scopes after the spread`,
      );
      return false;
    }
    if (!this.scopesAdded.has(object)) {
      this.scopesAdded.add(object);
      this.edits.push(() => {
        this.addScopes(object, properties);
      });
    }
    return 'added';
  }

  private defaultScopes(): string {
    const quote = this.quote === 'double' ? '"' : "'";
    return `[${quote}${CODE_SUGGESTIONS_SCOPE}${quote}]`;
  }

  /**
   * Appends `scopes` to an options literal in the literal's own layout: on its own line, indented
   * like the property above and with a trailing comma when the literal has one, else inline.
   */
  private addScopes(object: AstNode, properties: AstNode[]): void {
    const property = `scopes: ${this.defaultScopes()}`;
    const last = properties.at(-1);
    if (!last) {
      this.text.replace(object, `{ ${property} }`);
      return;
    }
    const { source } = this.text;
    const closing = this.text.endOf(object) - 1;
    const lastEnd = this.text.endOf(last);
    const between = source.slice(lastEnd, closing).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
    const trailingComma = between.trimStart().startsWith(',');
    const closingLineStart = source.lastIndexOf('\n', closing - 1) + 1;
    if (source.slice(closingLineStart, closing).trim() !== '' || !between.includes('\n')) {
      this.text.insert(lastEnd, `, ${property}`);
      return;
    }
    const lastLineStart = source.lastIndexOf('\n', this.text.startOf(last) - 1) + 1;
    const indent = (/^[ \t]*/.exec(source.slice(lastLineStart)) as RegExpExecArray)[0];
    if (!trailingComma) this.text.insert(lastEnd, ',');
    this.text.insert(
      closingLineStart,
      `${indent}${property}${trailingComma ? ',' : ''}${this.text.eol}`,
    );
  }

  /** Plans renaming a use; it counts as rewritten when it changes (a rename, or scopes added). */
  private rewrite(use: Use, scopesAdded = false): void {
    const { rename } = use;
    if (rename || scopesAdded) this.sitesRewritten++;
    if (rename) this.edits.push(rename);
  }

  private leave(node: AstNode, reason: string): void {
    const { line, column } = this.text.positionOf(node);
    if (
      !this.sitesLeft.some((s) => s.line === line && s.column === column && s.reason === reason)
    ) {
      this.sitesLeft.push({ line, column, reason });
    }
  }
}

const NEVER_REFERENCE_KEYS: ReadonlySet<string> = new Set([
  'id',
  'params',
  'parameters',
  'label',
  'imported',
  'exported',
  'qualifier',
  'parameterName',
  'meta',
]);

/**
 * Whether an identifier is a reference (and to which meaning of its name), as opposed to a
 * declaration, a property name or a label.
 */
function referenceMeaning(id: AstNode, tree: TreeIndex): Meaning | undefined {
  const { parent, key } = tree.link(id) as ParentLink;
  if (NEVER_REFERENCE_KEYS.has(key)) return undefined;
  const computed = parent['computed'] === true;
  switch (parent.type) {
    case 'MemberExpression':
    case 'OptionalMemberExpression':
      return key === 'property' && !computed ? undefined : 'value';
    case 'ObjectProperty':
    case 'Property': {
      if (key === 'key') return computed ? 'value' : undefined;
      const inPattern = tree.link(parent)?.parent.type === 'ObjectPattern';
      return inPattern ? undefined : 'value';
    }
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
    case 'ArrayPattern':
    case 'RestElement':
    case 'CatchClause':
    case 'TSParameterProperty':
      return undefined;
    case 'ExportSpecifier': {
      const declaration = tree.link(parent)?.parent;
      return declaration && field(declaration, 'source') ? undefined : 'value';
    }
    case 'AssignmentPattern':
      return key === 'left' ? undefined : 'value';
    case 'TSQualifiedName':
      return key === 'left' ? 'value' : undefined;
    case 'TSTypeReference':
    case 'TSExpressionWithTypeArguments':
    case 'TSClassImplements':
    case 'TSInterfaceHeritage':
      return 'type';
    default:
      return key === 'key' && !computed ? undefined : 'value';
  }
}
