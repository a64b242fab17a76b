import { Controller, Get, Header } from '@nestjs/common';
import { WorkflowMetrics } from '../metrics/workflow-metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: WorkflowMetrics) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
