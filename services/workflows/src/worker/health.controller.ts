import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { TemporalWorkerService } from './temporal-worker.service';

export interface WorkerHealth {
  status: 'UP' | 'DOWN';
  worker: string;
  reason?: string;
}

@Controller()
export class HealthController {
  constructor(private readonly worker: TemporalWorkerService) {}

  /** 200 while the worker polls its task queue; 503 (Consul marks the check critical) otherwise. */
  @Get('health')
  health(): WorkerHealth {
    const state = this.worker.state;
    if (state === 'RUNNING') return { status: 'UP', worker: state };
    const reason = this.worker.failureReason;
    throw new ServiceUnavailableException({ status: 'DOWN', worker: state, ...(reason ? { reason } : {}) } satisfies WorkerHealth);
  }
}
