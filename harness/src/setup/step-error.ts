/** A setup step failed. The message names the step, the cause and how to retry. */
export class SetupStepError extends Error {
  override readonly name = 'SetupStepError';

  constructor(
    readonly step: string,
    override readonly cause: string,
    readonly logFile?: string,
  ) {
    super(
      [
        `setup step "${step}" failed: ${cause}`,
        ...(logFile ? [`  full log: ${logFile}`] : []),
        '  Nothing from this step was kept. Fix the cause above and run `npm run setup` again;',
        '  steps that already finished are reused from the cache.',
      ].join('\n'),
    );
  }
}
