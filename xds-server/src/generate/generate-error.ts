/**
 * A mesh definition that validates but cannot be deployed as asked, e.g. two instances
 * that would bind one port on the same node. The message names the field and the fix;
 * `mesh generate` puts the config file in front of it.
 */
export class GenerateError extends Error {
  override readonly name = 'GenerateError';
  constructor(
    /** Path in the definition, e.g. `services.approval.sidecar.port`. */
    readonly field: string,
    problem: string,
    fix: string,
  ) {
    super(`${field}: ${problem}. ${fix}`);
  }
}
