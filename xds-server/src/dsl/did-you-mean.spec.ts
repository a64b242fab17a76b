import { closestMatch, didYouMean, levenshtein } from './did-you-mean';

describe('levenshtein', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['approval', 'approvals', 1],
    ['kitten', 'sitting', 3],
    ['local', 'locl', 1],
  ])('%s -> %s is %d', (a, b, distance) => {
    expect(levenshtein(a, b)).toBe(distance);
    expect(levenshtein(b, a)).toBe(distance);
  });
});

describe('closestMatch', () => {
  it('suggests a near miss', () => {
    expect(closestMatch('approvals', ['auth', 'approval', 'user'])).toBe('approval');
    expect(closestMatch('localPort', ['service', 'localBindPort'])).toBe('localBindPort');
    expect(closestMatch('AUTH', ['auth'])).toBe('auth');
  });

  it('suggests nothing for a distant name, an exact match or a tie', () => {
    expect(closestMatch('billing', ['auth', 'user', 'approval'])).toBeUndefined();
    expect(closestMatch('auth', ['auth'])).toBeUndefined();
    expect(closestMatch('v3', ['v1', 'v2'])).toBeUndefined();
  });

  it('formats the hint', () => {
    expect(didYouMean('locl', ['local', 'pi-1'])).toBe(' (did you mean "local"?)');
    expect(didYouMean('mars', ['local'])).toBe('');
  });
});
