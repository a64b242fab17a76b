import { isIP } from 'node:net';

/** Test hooks were asked for on an admin API that other hosts can reach. */
export class TestHooksExposedError extends Error {
  override readonly name = 'TestHooksExposedError';
  constructor(readonly adminHost: string) {
    super(
      `MESH_XDS_TEST_HOOKS=1 mounts admin routes that change what every proxy is served, and the admin API binds ${adminHost}, ` +
        'which is not a loopback address. Bind it to 127.0.0.1 (--admin-host 127.0.0.1) or unset MESH_XDS_TEST_HOOKS.',
    );
  }
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}

/** Test hooks mount only when asked for and only on a loopback admin bind. */
export function assertTestHooksAllowed(testHooks: boolean, adminHost: string): void {
  if (testHooks && !isLoopback(adminHost)) throw new TestHooksExposedError(adminHost);
}
