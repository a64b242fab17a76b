/** One problem in a mesh config: where it is (file, line, DSL path) and what is wrong. */
export interface MeshConfigIssue {
  /** `services.user.upstreams[1]`; empty when the problem is not about one field (a syntax error, a throw). */
  path: string;
  message: string;
  /** Relative to the working directory. */
  file: string;
  /** 1-based, when known. */
  line?: number;
  column?: number;
}

/** `mesh.config.ts:12:7 services.user.upstreams[1]: unknown service "approvals" (did you mean "approval"?)` */
export function formatMeshConfigIssue(issue: MeshConfigIssue): string {
  const where = issue.line === undefined ? `${issue.file}:` : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return `${where} ${issue.path === '' ? '' : `${issue.path}: `}${issue.message}`;
}

/** A mesh config that could not be loaded; `issues` lists every problem found, one per message line. */
export class MeshConfigError extends Error {
  override readonly name = 'MeshConfigError';

  constructor(
    /** The absolute path of the config file. */
    readonly file: string,
    readonly issues: MeshConfigIssue[],
  ) {
    super(issues.map(formatMeshConfigIssue).join('\n'));
  }
}
