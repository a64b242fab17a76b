import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { ControlPlaneModule } from './control-plane.module';
import type { ControlPlaneOptions } from './control-plane-options';

/** Starts the control plane: the xDS gRPC server, the Consul watch and the admin HTTP API. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<INestApplication> {
  // forceCloseConnections: an open console tab keeps its Server-Sent Events stream, which would hold shutdown.
  const app = await NestFactory.create(ControlPlaneModule.forOptions(options), { logger: ['error', 'warn'], forceCloseConnections: true });
  app.enableShutdownHooks();
  await app.listen(options.adminPort, options.adminHost);
  return app;
}
