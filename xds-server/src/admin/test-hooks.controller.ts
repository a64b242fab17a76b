import { Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { MeshState } from '../xds/mesh-state';

/**
 * Test-only routes, mounted when MESH_XDS_TEST_HOOKS=1. They let an integration test make
 * the control plane serve a resource that proxies must reject, to exercise NACK handling
 * end to end against a real Envoy.
 */
@Controller('test-hooks')
export class TestHooksController {
  constructor(private readonly mesh: MeshState) {}

  /** A service whose only endpoint has weight 0, which Envoy's EDS validation rejects (weight must be >= 1). */
  @Post('invalid-service/:name')
  @HttpCode(204)
  injectInvalid(@Param('name') name: string): void {
    this.mesh.inject({
      name,
      protocol: 'http',
      endpoints: [{ id: `${name}-invalid`, address: '127.0.0.1', port: 9, appPort: 9, sidecarPort: undefined, health: 'passing', weight: 0, tags: [], meta: {} }],
    });
  }

  @Delete('invalid-service/:name')
  @HttpCode(204)
  remove(@Param('name') name: string): void {
    this.mesh.removeInjected(name);
  }
}
