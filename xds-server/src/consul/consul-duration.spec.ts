import { parseConsulWait } from './consul-duration';
import { ConsulConfigError } from './consul-errors';

describe('parseConsulWait', () => {
  it.each([
    ['55s', 55_000],
    ['5m', 300_000],
    ['250ms', 250],
    ['10m', 600_000],
  ])('%s is %d ms', (wait, ms) => expect(parseConsulWait(wait)).toBe(ms));

  it.each(['', '55', '1h', '1.5s', '-5s', '0s', '11m'])('rejects %j', (wait) => {
    expect(() => parseConsulWait(wait)).toThrow(ConsulConfigError);
  });

  it('says why a long wait is refused', () => {
    expect(() => parseConsulWait('11m')).toThrow('Invalid blocking query wait "11m": expected a duration above 0 and at most 10m (Consul caps it there).');
  });
});
