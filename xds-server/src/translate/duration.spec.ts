import { duration, fractionalPercent } from './duration';

describe('duration', () => {
  it('splits milliseconds into seconds and nanos, leaving out zero parts', () => {
    expect(duration(0)).toEqual({});
    expect(duration(250)).toEqual({ nanos: 250_000_000 });
    expect(duration(2500)).toEqual({ seconds: 2, nanos: 500_000_000 });
    expect(duration(60_000)).toEqual({ seconds: 60 });
  });
});

describe('fractionalPercent', () => {
  it('keeps fractional percentages exact, per million', () => {
    expect(fractionalPercent(10)).toEqual({ numerator: 100_000, denominator: 'MILLION' });
    expect(fractionalPercent(0.5)).toEqual({ numerator: 5_000, denominator: 'MILLION' });
    expect(fractionalPercent(100)).toEqual({ numerator: 1_000_000, denominator: 'MILLION' });
  });
});
