import { steadyTraffic, type SteadyTraffic } from '@mesh/xds-server/cluster';
import type { Account } from './onboarding-journey';
import type { UrlGatewayClient } from './gateway-client';

/**
 * Steady traffic through the cluster's gateway while a fault happens: a login (auth) and the
 * onboarding status (user, which asks approval and Temporal), as one sample. Bounded: at most
 * `maxDurationMs` and 2,000 samples, 20 per second.
 */
export function gatewayTraffic(gateway: UrlGatewayClient, account: Account, maxDurationMs: number): SteadyTraffic {
  return steadyTraffic(
    async () => {
      const login = await gateway.call('POST', '/auth/login', { json: { email: account.email, password: account.password }, timeoutMs: 5000 });
      if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${login.body.slice(0, 120)}`);
      const status = await gateway.call('GET', '/users/me/status', { token: account.token, timeoutMs: 5000 });
      if (status.status !== 200) throw new Error(`status: HTTP ${status.status} ${status.body.slice(0, 120)}`);
    },
    { intervalMs: 50, maxRequests: 2000, maxDurationMs },
  );
}
