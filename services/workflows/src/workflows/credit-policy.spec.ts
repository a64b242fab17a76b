import { decide, MIN_APPROVED_SCORE } from './credit-policy';

describe('decide', () => {
  it('rejects an ineligible applicant with the eligibility reasons, whatever the score', () => {
    expect(decide({ eligible: false, reasons: ['no id document'] }, 800)).toEqual({ decision: 'rejected', reasons: ['no id document'] });
  });

  it('approves at the threshold and rejects one point below it', () => {
    expect(decide({ eligible: true, reasons: [] }, MIN_APPROVED_SCORE).decision).toBe('approved');
    const below = decide({ eligible: true, reasons: [] }, MIN_APPROVED_SCORE - 1);
    expect(below.decision).toBe('rejected');
    expect(below.reasons[0]).toContain(String(MIN_APPROVED_SCORE - 1));
  });

  it('rejects an eligible applicant without a score', () => {
    expect(decide({ eligible: true, reasons: [] }, undefined)).toEqual({ decision: 'rejected', reasons: ['no credit score'] });
  });
});
