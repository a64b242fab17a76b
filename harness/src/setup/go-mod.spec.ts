import { goBinaryKey, localPathReplaces } from './go-mod';

describe('localPathReplaces', () => {
  it('returns only the replaces that point into the module itself', () => {
    expect(
      localPathReplaces({
        Replace: [
          { Old: { Path: 'github.com/hashicorp/consul/api' }, New: { Path: './api' } },
          { Old: { Path: 'github.com/hashicorp/consul/sdk' }, New: { Path: '../sdk' } },
          { Old: { Path: 'github.com/Shopify/sarama' }, New: { Path: 'github.com/Shopify/sarama', Version: 'v1.33.0' } },
          { Old: { Path: 'example.com/pinned', Version: 'v1.0.0' }, New: { Path: './pinned' } },
        ],
      }),
    ).toEqual(['github.com/hashicorp/consul/api', 'github.com/hashicorp/consul/sdk', 'example.com/pinned@v1.0.0']);
  });

  it('handles a go.mod without replaces', () => {
    expect(localPathReplaces({ Replace: null })).toEqual([]);
    expect(localPathReplaces({})).toEqual([]);
  });
});

describe('goBinaryKey', () => {
  it('keys a binary by name, version and platform', () => {
    expect(goBinaryKey('consul', 'v1.22.6', 'linux', 'arm64')).toBe('consul-v1.22.6-linux-arm64');
  });
});
