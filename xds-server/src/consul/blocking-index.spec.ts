import { nextIndex, parseConsulIndex } from './blocking-index';
import { ConsulResponseError } from './consul-errors';

describe('nextIndex', () => {
  it('follows the returned index when it moves forward or stays', () => {
    expect(nextIndex(0n, 42n)).toBe(42n);
    expect(nextIndex(42n, 42n)).toBe(42n);
    expect(nextIndex(42n, 43n)).toBe(43n);
  });

  it('resets to 0 (a fresh read) when the index goes backwards', () => {
    expect(nextIndex(100n, 99n)).toBe(0n);
    expect(nextIndex(100n, 1n)).toBe(0n);
  });

  it('clamps an index of 0 to 1 so the next query blocks instead of spinning', () => {
    expect(nextIndex(0n, 0n)).toBe(1n);
  });

  it('handles indexes beyond 2^53', () => {
    expect(nextIndex(9007199254740993n, 9007199254740994n)).toBe(9007199254740994n);
    expect(nextIndex(9007199254740994n, 9007199254740993n)).toBe(0n);
  });
});

describe('parseConsulIndex', () => {
  it('reads the header as a bigint', () => {
    expect(parseConsulIndex('18446744073709551615', '/p')).toBe(18446744073709551615n);
  });

  it('says the endpoint cannot block when the header is missing', () => {
    expect(() => parseConsulIndex(null, '/v1/agent/self')).toThrow(ConsulResponseError);
    expect(() => parseConsulIndex(undefined, '/v1/agent/self')).toThrow(
      "Consul's answer to GET /v1/agent/self cannot be read: the X-Consul-Index header is missing, so the endpoint does not support blocking queries.",
    );
  });

  it('rejects an index that is not an unsigned integer', () => {
    expect(() => parseConsulIndex('-1', '/p')).toThrow('X-Consul-Index is "-1", not an unsigned integer');
    expect(() => parseConsulIndex('12abc', '/p')).toThrow(ConsulResponseError);
  });
});
