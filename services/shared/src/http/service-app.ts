import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ErrorBodyFilter } from '../errors/error-body.filter';
import { PinoNestLogger } from '../logging/logger';
import type { ServiceKit } from './service-kit';

export interface ServiceDescription {
  title: string;
  description: string;
}

/**
 * The Nest app of one service, configured the same way everywhere: pino logs, the error
 * body filter, the request histogram, OpenAPI at /openapi.json (UI at /docs). It does not
 * listen or register: tests use it in-process, startService() does both.
 */
export async function createServiceApp(root: Type | DynamicModule, kit: ServiceKit, description: ServiceDescription): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(root, { logger: new PinoNestLogger(kit.logger), bufferLogs: false });
  app.disable('x-powered-by');
  app.use(kit.metrics.middleware());
  app.useGlobalFilters(new ErrorBodyFilter(kit.logger));
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(description.title)
      .setDescription(description.description)
      .setVersion(kit.config.version)
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  await app.init();
  return app;
}

/** Listens on PORT/BIND_ADDRESS, then registers in Consul; SIGTERM/SIGINT deregister and close. */
export async function startService(root: Type | DynamicModule, kit: ServiceKit, description: ServiceDescription): Promise<INestApplication> {
  const { config, logger } = kit;
  if (config.jwt.usingDevSecret) logger.warn('JWT_SECRET is unset: using the built-in development secret; set JWT_SECRET (the same in every service) outside development');
  const app = await createServiceApp(root, kit, description);
  await app.listen(config.port, config.bindAddress);
  logger.info({ port: config.port, bind: config.bindAddress, sidecarPort: config.sidecarPort, outbound: `${config.outbound.address}:${config.outbound.port}`, dataDir: config.dataDir }, `${config.name}-service listening`);
  if (config.consul.register) {
    try {
      await kit.consul.register();
    } catch (error) {
      logger.fatal({ err: error }, 'could not register in Consul; stopping');
      await app.close();
      throw error;
    }
  }
  return app;
}
