/**
 * A mesh definition that validates but cannot be deployed as asked, e.g. two instances
 * that would bind one port on the same node. The message names the field and the fix.
 */
export class GenerateError extends Error {
  override readonly name = 'GenerateError';
  constructor(
    /** Path in the definition, e.g. `services.approval.sidecar.port`. */
    readonly field: string,
    problem: string,
    fix: string,
  ) {
    super(`mesh.config.ts ${field}: ${problem}. ${fix}`);
  }
}
