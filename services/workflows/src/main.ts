import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Runtime } from '@temporalio/worker';
import { ConsulRegistrationService } from './worker/consul-registration.service';
import { WORKER_CONFIG } from './worker/worker.tokens';
import type { WorkerConfig } from './worker/worker-config';
import { WorkerModule } from './worker/worker.module';

async function main(): Promise<void> {
  // This process owns SIGINT/SIGTERM, not the Temporal runtime: closing the app runs the
  // shutdown hooks in order (deregister, then worker.shutdown() and await run()).
  Runtime.install({ shutdownSignals: [] });
  const app = await NestFactory.create(WorkerModule);
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error instanceof Error ? error.stack : error);
          process.exit(1);
        },
      );
    });
  }
  const config = app.get<WorkerConfig>(WORKER_CONFIG);
  await app.listen(config.httpPort, config.bindAddress);
  await app.get(ConsulRegistrationService).register();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
