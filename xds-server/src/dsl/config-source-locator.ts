/**
 * Maps a DSL path (`services.user.upstreams[1]`) to a line and column in the config
 * source, and a source position back to a DSL path. It follows the object literal that
 * the file default-exports, through `defineMesh(...)`, `as`/`satisfies`, and top-level
 * constants, by property name and array index; where the path leaves the literal (a
 * computed value, a spread it cannot follow, a missing field) it stops at the nearest
 * ancestor it found.
 */
import ts from 'typescript';
import type { IssuePath } from './issue-path';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

const MAX_HOPS = 32;

export class ConfigSourceLocator {
  private readonly source: ts.SourceFile;
  private readonly root: ts.Expression | undefined;

  constructor(file: string, text: string) {
    this.source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    this.root = this.findRoot();
  }

  locate(path: IssuePath): SourcePosition | undefined {
    if (this.root === undefined) return undefined;
    let anchor: ts.Node = this.root;
    let value: ts.Expression | undefined = this.root;
    for (const segment of path) {
      const found: { anchor: ts.Node; value: ts.Expression | undefined } | undefined =
        value === undefined ? undefined : this.child(value, segment);
      if (found === undefined) break;
      anchor = found.anchor;
      value = found.value;
    }
    return this.position(anchor.getStart(this.source));
  }

  /** The DSL path of the innermost literal field or element at `offset`, if it is inside the exported literal. */
  pathAt(offset: number): IssuePath | undefined {
    const root = this.root && this.literal(this.root);
    if (root === undefined || offset < root.getStart(this.source) || offset >= root.end) return undefined;
    const path: (string | number)[] = [];
    let node: ts.Expression | undefined = root;
    while (node !== undefined) {
      const literal = this.literal(node);
      node = undefined;
      if (literal === undefined) break;
      const children: { key: string | number; anchor: ts.Node; value: ts.Expression | undefined }[] = ts.isArrayLiteralExpression(literal)
        ? literal.elements.map((element, index) => ({ key: index, anchor: element, value: element }))
        : literal.properties.flatMap((property) => {
            const key = propertyKey(property);
            return key === undefined ? [] : [{ key, anchor: property, value: propertyValue(property) }];
          });
      const inside = children.find((child) => offset >= child.anchor.getStart(this.source) && offset < child.anchor.end);
      if (inside !== undefined) {
        path.push(inside.key);
        // Follow only literals written in place: a constant declared elsewhere has its own position.
        if (inside.value !== undefined && offset >= inside.value.getStart(this.source) && offset < inside.value.end) node = inside.value;
      }
    }
    return path;
  }

  position(offset: number): SourcePosition {
    const { line, character } = this.source.getLineAndCharacterOfPosition(offset);
    return { line: line + 1, column: character + 1 };
  }

  private findRoot(): ts.Expression | undefined {
    for (const statement of this.source.statements) {
      if (ts.isExportAssignment(statement)) return statement.expression;
      const clause = ts.isExportDeclaration(statement) && statement.moduleSpecifier === undefined ? statement.exportClause : undefined;
      if (clause !== undefined && ts.isNamedExports(clause)) {
        const entry = clause.elements.find((element) => element.name.text === 'default');
        if (entry !== undefined) return (entry.propertyName ?? entry.name) as ts.Identifier;
      }
    }
    return undefined;
  }

  private child(value: ts.Expression, segment: string | number): { anchor: ts.Node; value: ts.Expression | undefined } | undefined {
    const literal = this.literal(value);
    if (literal === undefined) return undefined;
    if (typeof segment === 'number') {
      if (!ts.isArrayLiteralExpression(literal)) return undefined;
      const spreadAt = literal.elements.findIndex((element) => ts.isSpreadElement(element));
      if (spreadAt !== -1 && spreadAt <= segment) return undefined;
      const element = literal.elements[segment];
      return element === undefined ? undefined : { anchor: element, value: element };
    }
    if (!ts.isObjectLiteralExpression(literal)) return undefined;
    // The last property with the name wins, as at runtime; a spread after it may override it.
    for (let i = literal.properties.length - 1; i >= 0; i--) {
      const property = literal.properties[i];
      if (property === undefined) continue;
      if (ts.isSpreadAssignment(property)) {
        const spread = this.child(property.expression, segment);
        if (spread !== undefined) return spread;
        continue;
      }
      if (propertyKey(property) === segment) {
        return { anchor: property.name ?? property, value: propertyValue(property) };
      }
    }
    return undefined;
  }

  /** The object or array literal an expression evaluates to, through calls, casts and constants. */
  private literal(expression: ts.Expression): ts.ObjectLiteralExpression | ts.ArrayLiteralExpression | undefined {
    let node: ts.Expression = expression;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      if (ts.isObjectLiteralExpression(node) || ts.isArrayLiteralExpression(node)) return node;
      if (
        ts.isParenthesizedExpression(node) ||
        ts.isAsExpression(node) ||
        ts.isSatisfiesExpression(node) ||
        ts.isNonNullExpression(node) ||
        ts.isTypeAssertionExpression(node)
      ) {
        node = node.expression;
      } else if (ts.isCallExpression(node) && node.arguments[0] !== undefined) {
        node = node.arguments[0];
      } else if (ts.isIdentifier(node)) {
        const initializer = this.constant(node.text);
        if (initializer === undefined) return undefined;
        node = initializer;
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  private constant(name: string): ts.Expression | undefined {
    for (const statement of this.source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name) return declaration.initializer;
      }
    }
    return undefined;
  }
}

function propertyKey(property: ts.ObjectLiteralElementLike): string | undefined {
  if (ts.isShorthandPropertyAssignment(property)) return property.name.text;
  if (!ts.isPropertyAssignment(property)) return undefined;
  const name = property.name;
  if (ts.isIdentifier(name) || ts.isStringLiteralLike(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isComputedPropertyName(name) && (ts.isStringLiteralLike(name.expression) || ts.isNumericLiteral(name.expression))) {
    return name.expression.text;
  }
  return undefined;
}

function propertyValue(property: ts.ObjectLiteralElementLike): ts.Expression | undefined {
  if (ts.isPropertyAssignment(property)) return property.initializer;
  if (ts.isShorthandPropertyAssignment(property)) return property.name;
  return undefined;
}
