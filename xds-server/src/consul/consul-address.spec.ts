import { consulAddress, DEFAULT_CONSUL_HTTP_ADDR } from './consul-address';
import { ConsulConfigError } from './consul-errors';

describe('consulAddress', () => {
  it('defaults to the local agent', () => {
    expect(consulAddress({})).toBe('http://127.0.0.1:8500');
    expect(consulAddress({ CONSUL_HTTP_ADDR: '  ' })).toBe(DEFAULT_CONSUL_HTTP_ADDR);
  });

  it.each([
    ['127.0.0.1:8500', 'http://127.0.0.1:8500'],
    ['localhost:18500', 'http://localhost:18500'],
    ['consul.service:8500', 'http://consul.service:8500'],
    ['[::1]:8500', 'http://[::1]:8500'],
    ['http://10.0.0.5:8500', 'http://10.0.0.5:8500'],
    ['http://10.0.0.5:8500/', 'http://10.0.0.5:8500'],
    ['https://consul.example.com', 'https://consul.example.com'],
    ['HTTP://Consul.Local:8500', 'http://consul.local:8500'],
  ])('reads %s as %s', (raw, expected) => {
    expect(consulAddress({ CONSUL_HTTP_ADDR: raw })).toBe(expected);
  });

  it('uses https for a bare host:port when CONSUL_HTTP_SSL is true, like the Consul CLI', () => {
    expect(consulAddress({ CONSUL_HTTP_ADDR: '127.0.0.1:8501', CONSUL_HTTP_SSL: 'true' })).toBe('https://127.0.0.1:8501');
    expect(consulAddress({ CONSUL_HTTP_ADDR: '127.0.0.1:8501', CONSUL_HTTP_SSL: 'false' })).toBe('http://127.0.0.1:8501');
    expect(consulAddress({ CONSUL_HTTP_ADDR: 'http://127.0.0.1:8500', CONSUL_HTTP_SSL: 'true' })).toBe('http://127.0.0.1:8500');
  });

  it.each([
    ['unix:///var/run/consul.sock', 'unix sockets are not supported'],
    ['ftp://127.0.0.1:8500', 'an http:// or https:// address'],
    ['127.0.0.1:99999', 'host:port or http(s)://host:port'],
    ['http://127.0.0.1:8500/v1', 'no path, query or credentials'],
    ['http://user:secret@127.0.0.1:8500', 'use CONSUL_HTTP_TOKEN for ACL tokens'],
  ])('refuses %s with an actionable message', (raw, hint) => {
    expect(() => consulAddress({ CONSUL_HTTP_ADDR: raw })).toThrow(ConsulConfigError);
    expect(() => consulAddress({ CONSUL_HTTP_ADDR: raw })).toThrow(hint);
  });

  it('names the variable and the bad value', () => {
    expect(() => consulAddress({ CONSUL_HTTP_ADDR: 'ftp://x:1' })).toThrow('Invalid CONSUL_HTTP_ADDR "ftp://x:1"');
  });
});
