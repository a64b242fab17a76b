import { Module } from '@nestjs/common';
import { AdminController } from '../admin/admin.controller';
import { ConsoleController } from '../admin/console/console.controller';
import { ConsoleService } from '../admin/console/console.service';
import { TestHooksController } from '../admin/test-hooks.controller';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { CatalogSync } from './catalog-sync.service';
import { ConfigEntriesSync } from './config-entries-sync.service';
import { ConnectCaSync } from './connect-ca-sync.service';
import { IntentionsSync } from './intentions-sync.service';
import { MeshConfigSync } from './mesh-config-sync.service';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { createLogger, LOGGER } from './logger';
import { assertTestHooksAllowed } from './test-hooks-guard';
import { XdsServerLifecycle } from './xds-server.lifecycle';

@Module({})
export class ControlPlaneModule {
  static forOptions(options: ControlPlaneOptions) {
    assertTestHooksAllowed(options.testHooks, options.adminHost);
    return {
      module: ControlPlaneModule,
      controllers: options.testHooks ? [AdminController, ConsoleController, TestHooksController] : [AdminController, ConsoleController],
      providers: [
        { provide: CONTROL_PLANE_OPTIONS, useValue: options },
        { provide: LOGGER, useFactory: createLogger },
        XdsMetrics,
        { provide: MeshState, useFactory: (o: ControlPlaneOptions) => new MeshState(o.tracing, { awaitConfig: o.configFile !== undefined, awaitConfigEntries: true }), inject: [CONTROL_PLANE_OPTIONS] },
        CatalogSync,
        MeshConfigSync,
        ConnectCaSync,
        IntentionsSync,
        ConfigEntriesSync,
        XdsServerLifecycle,
        ConsoleService,
      ],
    };
  }
}
