/**
 * Validates a value that claims to be a mesh definition: the zod schema and the
 * cross-reference checks both run, so the caller gets every error at once, each as
 * `path: message` with a "did you mean" where a name is a near miss.
 */
import { z } from 'zod';
import { didYouMean } from './did-you-mean';
import { describeValue, formatIssuePath, type IssuePath } from './issue-path';
import type { MeshDefinition } from './mesh-definition';
import { checkMeshReferences } from './mesh-references';
import { isObject, meshSchema } from './mesh-schema';

export interface MeshValidationIssue {
  /** `services.user.upstreams[1]`; empty for the whole definition. */
  path: string;
  /** The same path as property names and indices, for mapping back to the source. */
  segments: IssuePath;
  message: string;
}

export type MeshValidationResult =
  | { ok: true; definition: MeshDefinition; issues: [] }
  | { ok: false; definition: undefined; issues: MeshValidationIssue[] };

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  record: 'an object',
  array: 'an array',
};

/** Messages for the checks that carry none of their own (types, enums, unknown fields, empty lists). */
function message(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required field is missing';
      return `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
    case 'invalid_value': {
      const options = issue.values.map((value) => JSON.stringify(value)).join(', ');
      const hint =
        typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.filter((v): v is string => typeof v === 'string')) : '';
      return `expected one of ${options}, got ${describeValue(issue.input)}${hint}`;
    }
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `needs at least ${issue.minimum} items`;
      return `must be at least ${issue.minimum}`;
    case 'invalid_key':
      return issue.issues[0]?.message ?? 'invalid key';
    default:
      return undefined;
  }
}

function valueAt(root: unknown, path: IssuePath): unknown {
  let value = root;
  for (const segment of path) {
    if (typeof segment === 'number' ? !Array.isArray(value) : !isObject(value)) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function toPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
}

export function validateMeshDefinition(input: unknown): MeshValidationResult {
  const knownFields = new WeakMap<object, readonly string[]>();
  const result = meshSchema.safeParse(input, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys' && isObject(issue.input) && issue.inst instanceof z.ZodObject) {
        knownFields.set(issue.input, Object.keys(issue.inst.shape));
      }
      return message(issue);
    },
  });

  const issues: MeshValidationIssue[] = [];
  const seen = new Set<string>();
  const add = (segments: IssuePath, text: string) => {
    const path = formatIssuePath(segments);
    const key = `${path}\u0000${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push({ path, segments, message: text });
  };

  const collect = (zodIssues: readonly z.core.$ZodIssue[], base: IssuePath) => {
    for (const issue of zodIssues) {
      const path = [...base, ...toPath(issue.path)];
      if (issue.code === 'unrecognized_keys') {
        const object = valueAt(input, path);
        const known = isObject(object) ? (knownFields.get(object) ?? []) : [];
        for (const key of issue.keys) {
          const hint = didYouMean(key, known) || (known.length > 0 ? ` (known fields: ${known.join(', ')})` : '');
          add([...path, key], `unknown field ${JSON.stringify(key)}${hint}`);
        }
      } else if (issue.code === 'invalid_union') {
        // Report the branch the value was evidently meant for (the object form for an object).
        const meant = issue.errors.filter((branch) => !branch.some((inner) => inner.path.length === 0 && inner.code === 'invalid_type'));
        const [only] = meant;
        if (meant.length === 1 && only !== undefined) collect(only, path);
        else add(path, issue.message);
      } else {
        add(path, issue.message);
      }
    }
  };
  if (!result.success) collect(result.error.issues, []);
  for (const issue of checkMeshReferences(input)) add(issue.segments, issue.message);

  if (issues.length > 0 || !result.success) return { ok: false, definition: undefined, issues };
  return { ok: true, definition: result.data, issues: [] };
}

/** `services.user.upstreams[1]: unknown service "approvals" (did you mean "approval"?)` */
export function formatValidationIssue(issue: Pick<MeshValidationIssue, 'path' | 'message'>): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}
