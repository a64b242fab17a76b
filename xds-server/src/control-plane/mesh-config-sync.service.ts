import { displayPath } from '../dsl/display-path';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { loadMeshConfig, MeshConfigError, type MeshConfigIssue } from '../dsl/load-mesh-config';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { MeshState } from '../translate/mesh-state';
import { XdsMetrics } from '../xds/xds-metrics';
import { ConfigFileWatcher } from './config-file-watcher';
import { CONTROL_PLANE_OPTIONS, type ControlPlaneOptions } from './control-plane-options';
import { LOGGER } from './logger';

export interface MeshConfigStatus {
  file: string;
  /** Version of the config being served. */
  version: string;
  loadedAt: string;
  /** The last edit that was rejected, while the previous config keeps serving. */
  rejected?: { at: string; error: string; issues: MeshConfigIssue[] };
}

/**
 * Loads mesh.config.ts at start and again on every save. A rejected edit is logged,
 * reported by /health and `mesh status`, and changes nothing: the last good config keeps
 * serving until a valid one replaces it. Reloads run one at a time; saves that land during
 * a reload are folded into one more reload.
 */
@Injectable()
export class MeshConfigSync implements OnModuleInit, OnModuleDestroy {
  private current: MeshConfigStatus | undefined;
  private served: MeshDefinition | undefined;
  private watcher: ConfigFileWatcher | undefined;
  private reloading: Promise<void> | undefined;
  private again = false;

  constructor(
    @Inject(CONTROL_PLANE_OPTIONS) private readonly options: ControlPlaneOptions,
    private readonly mesh: MeshState,
    private readonly metrics: XdsMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Undefined when the control plane runs without a config file. */
  status(): MeshConfigStatus | undefined {
    return this.current;
  }

  /** The definition being served (its nodes and placements, for the console); undefined without a config file. */
  definition(): MeshDefinition | undefined {
    return this.served;
  }

  /** An invalid config at start is fatal: there is no last good one to fall back to. */
  async onModuleInit(): Promise<void> {
    const file = this.options.configFile;
    if (!file) return;
    const loaded = await loadMeshConfig(file);
    this.accept(loaded.file, loaded.version, () => this.mesh.updateConfig(loaded.model));
    this.served = loaded.definition;
    this.watcher = new ConfigFileWatcher(file, () => this.scheduleReload());
    this.watcher.start();
  }

  onModuleDestroy(): Promise<void> | undefined {
    this.watcher?.stop();
    return this.reloading;
  }

  /** Resolves when the reload that covers every save so far has finished. */
  scheduleReload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        await this.reload();
      } while (this.again);
      this.reloading = undefined;
    })();
    return this.reloading;
  }

  private async reload(): Promise<void> {
    const file = this.options.configFile as string;
    const observedAt = process.hrtime.bigint();
    try {
      const loaded = await loadMeshConfig(file);
      if (loaded.version === this.current?.version) {
        delete this.current.rejected;
        this.logger.debug({ file: loaded.file, version: loaded.version }, 'mesh config saved without changes');
        return;
      }
      this.accept(loaded.file, loaded.version, () => this.mesh.updateConfig(loaded.model, observedAt));
      this.served = loaded.definition;
      this.metrics.configReloads.inc({ result: 'applied' });
    } catch (error) {
      const message = error instanceof MeshConfigError || error instanceof Error ? error.message : String(error);
      this.metrics.configReloads.inc({ result: 'rejected' });
      const issues: MeshConfigIssue[] = error instanceof MeshConfigError ? error.issues : [{ path: '', message, file: displayPath(file) }];
      if (this.current) this.current.rejected = { at: new Date().toISOString(), error: message, issues };
      this.logger.error(
        { file: displayPath(file), servingVersion: this.current?.version, err: message },
        'mesh config rejected; the last good config keeps serving',
      );
    }
  }

  private accept(file: string, version: string, apply: () => void): void {
    apply();
    this.current = { file, version, loadedAt: new Date().toISOString() };
    this.logger.info({ file: displayPath(file), version }, 'mesh config applied');
  }
}
