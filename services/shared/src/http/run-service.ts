import type { DynamicModule, Type } from '@nestjs/common';
import { loadServiceConfig, type ServiceDefaults } from '../config/service-config';
import { type ServiceDescription, startService } from './service-app';
import { createServiceKit, type ServiceKit } from './service-kit';

export interface ServiceEntry {
  defaults: ServiceDefaults;
  description: ServiceDescription;
  root: (kit: ServiceKit) => Type | DynamicModule;
}

/** The body of every service's main.ts: config from env, start, register; exit 1 with the reason on failure. */
export async function runServiceMain(entry: ServiceEntry): Promise<void> {
  let kit: ServiceKit | undefined;
  try {
    kit = createServiceKit(loadServiceConfig(entry.defaults));
    await startService(entry.root(kit), kit, entry.description);
  } catch (error) {
    if (kit) kit.logger.fatal({ err: error }, `${entry.defaults.name}-service failed to start`);
    else process.stderr.write(`${entry.defaults.name}-service failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    // Give pino's async destination a moment, then leave even if handles remain open.
    setTimeout(() => process.exit(1), 200).unref();
  }
}
