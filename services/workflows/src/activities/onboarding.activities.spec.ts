import { ApplicationFailure } from '@temporalio/activity';
import { UpstreamHttpError, UpstreamUnavailableError } from '@mesh/service-kit';
import { asFailure } from './onboarding.activities';
import { NON_RETRYABLE } from '../workflows/activity-options';

function failureOf(error: unknown): ApplicationFailure {
  try {
    asFailure(error);
  } catch (thrown) {
    return thrown as ApplicationFailure;
  }
  throw new Error('asFailure returned');
}

describe('asFailure', () => {
  it("makes the service's own 4xx final: ServiceRejected, which the activity options list as non-retryable", () => {
    const failure = failureOf(new UpstreamHttpError('approval', '/decisions', 422, { code: 'VALIDATION_FAILED' }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ServiceRejected');
    expect(failure.nonRetryable).toBe(true);
    expect(NON_RETRYABLE).toContain(failure.type);
  });

  it('retries 5xx, 408 and 429, and calls that got no answer from the service', () => {
    for (const error of [
      new UpstreamHttpError('approval', '/credit-scores', 503, 'bureau down'),
      new UpstreamHttpError('approval', '/credit-scores', 429, ''),
      new UpstreamHttpError('approval', '/credit-scores', 408, ''),
      new UpstreamUnavailableError('approval', '/credit-scores', 'Envoy answered 503: no healthy upstream'),
    ]) {
      const failure = failureOf(error);
      expect(failure.type).toBe('ServiceUnavailable');
      expect(failure.nonRetryable).toBe(false);
    }
  });

  it('leaves other errors alone', () => {
    const bug = new TypeError('x is undefined');
    expect(failureOf(bug)).toBe(bug);
  });
});
