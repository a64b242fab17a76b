import { Controller, Delete, HttpCode, Param, Post, Query } from '@nestjs/common';
import { MeshState } from '../translate/mesh-state';

/**
 * Test-only routes, mounted when MESH_XDS_TEST_HOOKS=1. They let an integration test make
 * the control plane serve a resource that proxies must reject, to exercise NACK handling
 * end to end against a real Envoy.
 */
@Controller('test-hooks')
export class TestHooksController {
  constructor(private readonly mesh: MeshState) {}

  /**
   * A service whose only endpoint has weight 0, which Envoy's EDS validation rejects (weight
   * must be >= 1). With `alongside` and `port`, a valid service on 127.0.0.1:<port> goes out in
   * the same change, so one response carries a bad and a good resource.
   */
  @Post('invalid-service/:name')
  @HttpCode(204)
  injectInvalid(@Param('name') name: string, @Query('alongside') alongside?: string, @Query('port') port?: string): void {
    const endpoint = (id: string, at: number, weight: number) => ({ id, address: '127.0.0.1', port: at, appPort: at, sidecarPort: undefined, health: 'passing' as const, weight, tags: [], meta: {} });
    const bad = { name, protocol: 'http' as const, endpoints: [endpoint(`${name}-invalid`, 9, 0)] };
    const good = alongside && port ? [{ name: alongside, protocol: 'http' as const, endpoints: [endpoint(`${alongside}-1`, Number(port), 1)] }] : [];
    this.mesh.inject(bad, ...good);
  }

  @Delete('invalid-service/:name')
  @HttpCode(204)
  remove(@Param('name') name: string): void {
    this.mesh.removeInjected(name);
  }
}
