import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthChecks, type HealthReport } from './health-checks';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(@Inject(HealthChecks) private readonly health: HealthChecks) {}

  @Get()
  @ApiOperation({ summary: 'Liveness and readiness (the Consul HTTP check)' })
  @ApiResponse({ status: 200, description: 'every check passes' })
  @ApiResponse({ status: 503, description: 'a check fails; the body names it' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await this.health.report();
    res.status(report.status === 'pass' ? 200 : 503);
    return report;
  }
}
