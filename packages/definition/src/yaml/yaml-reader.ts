import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { ExtraFields, JsonValue } from '../model.js';
import type { DefinitionProblem, DefinitionProblemCode } from '../problems.js';
import { didYouMean } from '../suggest.js';
import type { SourcePositions } from './source-positions.js';

/** How deep a YAML value may nest before it is refused; real definitions stay far below this. */
const MAX_VALUE_DEPTH = 64;
/**
 * How many YAML nodes reading may visit in total. Aliases let a small text repeat content without limit (a
 * "billion laughs" document); every visit is charged against this budget, so reading always ends.
 */
const MAX_NODE_VISITS = 2_000_000;
/** After this many problems the rest are counted, not described: a broken document is fixed from the top anyway. */
const MAX_PROBLEMS = 200;

/**
 * Reads a parsed YAML document field by field, remembering where every field came from so that any problem, found
 * now or by validation later, carries a file, line and column.
 */
export class YamlReader {
  readonly problems: DefinitionProblem[] = [];
  private readonly nodesByPath = new Map<string, Node>();
  private readonly aliasTargets = new Map<Alias, Node>();
  private nodeVisitsLeft = MAX_NODE_VISITS;
  private unreportedProblems = 0;

  constructor(
    document: Document,
    private readonly positions: SourcePositions,
    private readonly file: string | undefined,
  ) {
    // Each alias points at the last node anchored with its name before it, in document order. Resolving them once
    // here keeps lookups constant-time (the library's own lookup walks the whole document every time).
    const anchors = new Map<string, Node>();
    visit(document, {
      Alias: (_key, alias) => {
        const target = anchors.get(alias.source);
        if (target) this.aliasTargets.set(alias, target);
      },
      Node: (_key, node) => {
        if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /** Problems beyond the first MAX_PROBLEMS are summarized in one last problem. */
  finish(): void {
    if (this.unreportedProblems === 0) return;
    this.problems.push({
      code: 'DOCUMENT_TOO_LARGE',
      severity: 'error',
      message: `${this.unreportedProblems} more problem${this.unreportedProblems === 1 ? '' : 's'} not listed; fix the ones above first`,
      file: this.file,
      line: this.problems.at(-1)?.line ?? 1,
      column: 1,
      path: '',
    });
  }

  /** True while problems are still described one by one; callers skip costly suggestions otherwise. */
  get describesProblems(): boolean {
    return this.problems.length < MAX_PROBLEMS;
  }

  /** Records that `path` was read from `node`, for locating problems found after parsing. */
  remember(path: string, node: Node | null | undefined): void {
    if (node) this.nodesByPath.set(path, node);
  }

  /** The position of `path`, or of its nearest recorded parent. */
  positionOf(path: string): { line: number; column: number } {
    let current = path;
    for (;;) {
      const node = this.nodesByPath.get(current);
      if (node) return this.positionOfNode(node);
      if (current === '') return { line: 1, column: 1 };
      current = parentPath(current);
    }
  }

  positionOfNode(node: Node | null | undefined): { line: number; column: number } {
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, column: 1 } : this.positions.at(offset);
  }

  report(
    code: DefinitionProblemCode,
    at: Node | string | null | undefined,
    path: string,
    message: string,
    severity: 'error' | 'warning' = 'error',
  ): void {
    if (!this.describesProblems) {
      this.unreportedProblems += 1;
      return;
    }
    const position =
      typeof at === 'string' ? this.positionOf(at) : at ? this.positionOfNode(at) : this.positionOf(path);
    this.problems.push({ code, severity, message, file: this.file, ...position, path });
  }

  /** The node, with aliases followed; null for nothing, and for everything once the visit budget is spent. */
  resolve(node: unknown): Node | null {
    if (this.nodeVisitsLeft <= 0) return null;
    this.nodeVisitsLeft -= 1;
    if (this.nodeVisitsLeft === 0) {
      this.problems.push({
        code: 'DOCUMENT_TOO_LARGE',
        severity: 'error',
        message: `the definition expands to more than ${MAX_NODE_VISITS} values (large values, or aliases repeating content); reading stopped here`,
        file: this.file,
        ...(isNode(node) ? this.positionOfNode(node) : { line: 1, column: 1 }),
        path: '',
      });
      return null;
    }
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 10; hops += 1)
      current = this.aliasTargets.get(current as Alias) ?? null;
    return current && (isScalar(current) || isMap(current) || isSeq(current)) ? (current as Node) : null;
  }

  /** The node as a map, or null after reporting what was expected. */
  map(node: unknown, path: string, what: string): YAMLMap | null {
    const resolved = this.resolve(node);
    if (isMap(resolved)) return resolved;
    this.report(
      'FIELD_TYPE',
      resolved,
      path,
      `${what} must be a mapping of fields, not ${describe(resolved)}`,
    );
    return null;
  }

  /** The node as a list, or null after reporting what was expected. */
  seq(node: unknown, path: string, what: string): YAMLSeq | null {
    const resolved = this.resolve(node);
    if (isSeq(resolved)) return resolved;
    this.report('FIELD_TYPE', resolved, path, `${what} must be a list, not ${describe(resolved)}`);
    return null;
  }

  /**
   * The fields of a mapping, checked against the names that mapping may hold. A name close to an allowed one is a
   * typo that would otherwise be silently ignored: an error naming the closest allowed name. Any other unknown name
   * is a field of a newer export: a warning, and the field is kept (`Fields.extraFields`) so that export writes it
   * back — unless `unknown` is 'ignore', for mappings the model does not keep.
   */
  fields(
    map: YAMLMap,
    path: string,
    allowed: readonly string[],
    what: string,
    unknown: 'keep' | 'ignore' = 'keep',
  ): Fields {
    const byName = new Map<string, Pair>();
    const unknownByName = new Map<string, Pair>();
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      const name = isScalar(keyNode) ? String(keyNode.value) : '';
      if (!allowed.includes(name)) {
        const hint = didYouMean(name, allowed);
        if (hint) {
          this.report(
            'FIELD_UNKNOWN',
            keyNode,
            joinPath(path, name),
            `unknown field '${name}' in ${what}${hint}`,
          );
          continue;
        }
        this.report(
          'FIELD_UNKNOWN',
          keyNode,
          joinPath(path, name),
          unknown === 'keep'
            ? `field '${name}' in ${what} is not one Weft knows; it is kept (export writes it back) but has no effect`
            : `field '${name}' in ${what} is not one Weft knows; it is ignored`,
          'warning',
        );
        if (unknown === 'keep') {
          unknownByName.set(name, pair);
          this.remember(joinPath(path, name), (this.resolve(pair.value) ?? keyNode) as Node);
        }
        continue;
      }
      byName.set(name, pair);
      this.remember(joinPath(path, name), (this.resolve(pair.value) ?? keyNode) as Node);
    }
    return new Fields(this, map, path, byName, what, unknownByName);
  }

  /** A plain JSON value of any shape (input values, metadata); aliases are followed, depth is bounded. */
  json(node: unknown, path: string, depth = 0): JsonValue {
    const resolved = this.resolve(node);
    if (depth > MAX_VALUE_DEPTH) {
      this.report('FIELD_TYPE', resolved, path, `value nests deeper than ${MAX_VALUE_DEPTH} levels`);
      return null;
    }
    if (isScalar(resolved)) return scalarJson(resolved.value);
    if (isSeq(resolved))
      return resolved.items.map((item, index) => this.json(item, `${path}[${index}]`, depth + 1));
    if (isMap(resolved)) {
      const result: { [key: string]: JsonValue } = {};
      for (const pair of resolved.items) {
        const key = this.resolve(pair.key);
        const name = isScalar(key) ? String(key.value) : JSON.stringify(this.json(key, path, depth + 1));
        setOwn(result, name, this.json(pair.value, joinPath(path, name), depth + 1));
      }
      return result;
    }
    return null;
  }
}

function scalarJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The fields of one mapping, with typed accessors that report a problem and return undefined on a bad value. */
export class Fields {
  constructor(
    private readonly reader: YamlReader,
    readonly map: YAMLMap,
    readonly path: string,
    private readonly byName: Map<string, Pair>,
    private readonly what: string,
    private readonly unknownByName: Map<string, Pair> = new Map(),
  ) {}

  /** The unknown fields kept (see `YamlReader.fields`), as JSON, or undefined when there are none. */
  extraFields(): ExtraFields | undefined {
    if (this.unknownByName.size === 0) return undefined;
    const extra: ExtraFields = {};
    for (const [name, pair] of this.unknownByName)
      setOwn(extra, name, this.reader.json(pair.value, this.pathOf(name)));
    return extra;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  node(name: string): Node | null {
    const pair = this.byName.get(name);
    return pair ? this.reader.resolve(pair.value) : null;
  }

  pathOf(name: string): string {
    return joinPath(this.path, name);
  }

  /** Reports a missing required field at the mapping that should hold it. */
  require(name: string, example: string): boolean {
    if (this.byName.has(name) && this.node(name) !== null && !isNullScalar(this.node(name))) return true;
    this.reader.report(
      'FIELD_REQUIRED',
      this.byName.get(name)?.key ? this.reader.resolve(this.byName.get(name)?.key) : this.map,
      this.pathOf(name),
      `${this.what} is missing '${name}' (for example ${example})`,
    );
    return false;
  }

  /** Text; numbers are accepted and turned into text, as Prismatic exports sometimes leave names unquoted. */
  string(name: string): string | undefined {
    const node = this.node(name);
    if (!this.byName.has(name) || isNullScalar(node)) return undefined;
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number'))
      return String(node.value);
    this.reader.report(
      'FIELD_TYPE',
      node,
      this.pathOf(name),
      `'${name}' must be text, not ${describe(node)}`,
    );
    return undefined;
  }

  boolean(name: string): boolean | undefined {
    const node = this.node(name);
    if (!this.byName.has(name) || isNullScalar(node)) return undefined;
    if (isScalar(node)) {
      if (typeof node.value === 'boolean') return node.value;
      if (node.value === 'true' || node.value === 'false') return node.value === 'true';
    }
    this.reader.report(
      'FIELD_TYPE',
      node,
      this.pathOf(name),
      `'${name}' must be true or false, not ${describe(node)}`,
    );
    return undefined;
  }

  /** A number; numeric text ("3") is accepted since YAML exports quote them. */
  number(name: string, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const node = this.node(name);
    if (!this.byName.has(name) || isNullScalar(node)) return undefined;
    const raw = isScalar(node) ? node.value : undefined;
    const value =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    const { min, max, integer } = bounds;
    const wanted = `${integer ? 'a whole number' : 'a number'}${rangeText(min, max)}`;
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      this.reader.report(
        'FIELD_TYPE',
        node,
        this.pathOf(name),
        `'${name}' must be ${wanted}, not ${describe(node)}`,
      );
      return undefined;
    }
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      this.reader.report(
        'VALUE_NOT_ALLOWED',
        node,
        this.pathOf(name),
        `'${name}' must be ${wanted}, not ${value}`,
      );
      return undefined;
    }
    return value;
  }

  /** One of a fixed set of words, with the closest one suggested. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const hint = didYouMean(value, allowed) ?? ` (allowed: ${allowed.join(', ')})`;
    this.reader.report(
      'VALUE_NOT_ALLOWED',
      this.node(name),
      this.pathOf(name),
      `'${name}' cannot be '${value}'${hint}`,
    );
    return undefined;
  }

  /** A list of texts. */
  strings(name: string): string[] | undefined {
    if (!this.byName.has(name) || isNullScalar(this.node(name))) return undefined;
    const seq = this.reader.seq(this.node(name), this.pathOf(name), `'${name}'`);
    if (!seq) return undefined;
    const result: string[] = [];
    seq.items.forEach((item, index) => {
      const node = this.reader.resolve(item);
      if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
        result.push(String(node.value));
      } else {
        this.reader.report(
          'FIELD_TYPE',
          node,
          `${this.pathOf(name)}[${index}]`,
          `'${name}' must hold text only`,
        );
      }
    });
    return result;
  }

  /** The items of a list field with their paths; an absent or null field is an empty list. */
  list(name: string): Array<{ node: Node | null; path: string }> {
    if (!this.byName.has(name) || isNullScalar(this.node(name))) return [];
    const seq = this.reader.seq(this.node(name), this.pathOf(name), `'${name}'`);
    if (!seq) return [];
    return seq.items.map((item, index) => {
      const path = `${this.pathOf(name)}[${index}]`;
      const node = this.reader.resolve(item);
      this.reader.remember(path, node);
      return { node, path };
    });
  }

  /** The entries of a mapping field (`inputs`), in document order. */
  entries(name: string): Array<{ key: string; keyNode: Node | null; node: Node | null; path: string }> {
    if (!this.byName.has(name) || isNullScalar(this.node(name))) return [];
    const map = this.reader.map(this.node(name), this.pathOf(name), `'${name}'`);
    if (!map) return [];
    return map.items.map((pair) => {
      const keyNode = this.reader.resolve(pair.key);
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const path = joinPath(this.pathOf(name), key);
      const node = this.reader.resolve(pair.value);
      // Problems about an entry as a whole (unknown input, missing value) point at its name.
      this.reader.remember(path, keyNode ?? node);
      return { key, keyNode, node, path };
    });
  }

  json(name: string): JsonValue | undefined {
    if (!this.byName.has(name)) return undefined;
    return this.reader.json(this.node(name), this.pathOf(name));
  }
}

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

export function isNullScalar(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

export function describe(node: Node | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'string')
      return `the text '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
    if (typeof value === 'boolean') return `the boolean ${value}`;
    if (typeof value === 'number') return `the number ${value}`;
  }
  return 'an unsupported value';
}

export function joinPath(path: string, name: string): string {
  const segment = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
  if (path === '') return segment;
  return /^[A-Za-z_$]/.test(segment) ? `${path}.${segment}` : `${path}[${segment}]`;
}

function parentPath(path: string): string {
  const match = /^(.*?)(?:\.[A-Za-z_$][\w$]*|\[[^[\]]*\]|\["(?:[^"\\]|\\.)*"\])$/.exec(path);
  return match ? (match[1] ?? '') : '';
}

/**
 * Sets a property by name even when the name is `__proto__`, which plain assignment would treat as the object's
 * prototype (dropping the entry and changing the object's behaviour).
 */
export function setOwn<T>(target: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
