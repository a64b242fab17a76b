import { targetService } from './grpc-target';

describe('targetService', () => {
  it('maps xds:///name and xds:///name:port to the service name', () => {
    expect(targetService('echo')).toBe('echo');
    expect(targetService('echo-grpc:50051')).toBe('echo-grpc');
    expect(targetService('user.v2_api')).toBe('user.v2_api');
  });

  it('answers nothing for names that cannot be a Consul service target', () => {
    for (const name of ['', 'echo:0', 'echo:70000', 'echo:', ':80', 'xdstp://authority/envoy.config.listener.v3.Listener/echo', '-echo', 'a b']) {
      expect(targetService(name)).toBeUndefined();
    }
  });
});
