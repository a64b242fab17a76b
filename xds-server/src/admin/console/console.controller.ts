import { Controller, Get, HttpException, HttpStatus, Param, Query, Res, Sse, type MessageEvent } from '@nestjs/common';
import { distinctUntilChanged, interval, map, merge, Observable, startWith } from 'rxjs';
import { MeshState } from '../../translate/mesh-state';
import { legendFor } from './metric-panels';
import { ConsoleAssets } from './console-assets';
import { ConsoleService, UnknownProxyError } from './console.service';
import { trafficFigures } from './traffic-figures';

interface RawResponse {
  status(code: number): RawResponse;
  setHeader(name: string, value: string): void;
  send(body: Buffer | string): void;
}

/** How often the live state is compared with what each console last got; a change is sent at once after. */
const STATE_CHECK_MS = 250;

/**
 * The mesh console at /ui/ and the read-only API behind it. Nothing here changes state: every
 * route is a GET, and the outside systems are only queried.
 */
@Controller('ui')
export class ConsoleController {
  private readonly assets = new ConsoleAssets();

  constructor(
    private readonly console: ConsoleService,
    private readonly mesh: MeshState,
  ) {}

  @Get()
  index(@Res() response: RawResponse): void {
    this.send(response, 'index.html');
  }

  @Get('app.js')
  script(@Res() response: RawResponse): void {
    this.send(response, 'app.js');
  }

  @Get('app.css')
  style(@Res() response: RawResponse): void {
    this.send(response, 'app.css');
  }

  private send(response: RawResponse, name: string): void {
    let file: ReturnType<ConsoleAssets['file']>;
    try {
      file = this.assets.file(name);
    } catch (error) {
      response.status(503).send(error instanceof Error ? error.message : String(error));
      return;
    }
    if (!file) {
      response.status(404).send(`no console asset ${name}`);
      return;
    }
    response.setHeader('Content-Type', file.type);
    response.setHeader('Cache-Control', name === 'index.html' ? 'no-cache' : 'public, max-age=3600');
    response.status(200).send(file.body);
  }

  @Get('api/state')
  state() {
    return this.console.state();
  }

  /** The state on every change: a snapshot or catalog change wakes it at once, a timer catches the rest (health checks, acks). */
  @Sse('api/events')
  events(): Observable<MessageEvent> {
    const changes = new Observable<void>((subscriber) => this.mesh.subscribe(() => subscriber.next()));
    return merge(changes, interval(STATE_CHECK_MS)).pipe(
      startWith(undefined),
      map(() => JSON.stringify(this.console.state())),
      distinctUntilChanged(),
      map((data) => ({ type: 'state', data })),
    );
  }

  @Get('api/figures')
  figures() {
    const panels = this.console.panels();
    return this.console.prometheus((prometheus) => trafficFigures(prometheus, panels));
  }

  @Get('api/metrics')
  async metrics(@Query('range') range?: string) {
    const seconds = Math.min(Math.max(Number(range) || 900, 60), 6 * 3600);
    const step = Math.max(5, Math.round(seconds / 180));
    const panels = this.console.panels();
    const data = await this.console.prometheus((prometheus) =>
      Promise.all(
        panels.map(async (panel) => ({
          ...panel,
          series: (await Promise.all(panel.queries.map(async (q) => (await prometheus.range(q.expr, seconds, step)).map((s) => ({ name: legendFor(q.legend, s.labels), points: s.points }))))).flat(),
        })),
      ),
    );
    return { step, panels: panels.map((p) => ({ id: p.id, title: p.title })), data };
  }

  @Get('api/traces/services')
  traceServices() {
    return this.console.jaeger((jaeger) => jaeger.services());
  }

  @Get('api/traces/operations')
  traceOperations(@Query('service') service: string) {
    return this.console.jaeger((jaeger) => jaeger.operations(service ?? ''));
  }

  @Get('api/traces')
  traces(
    @Query('service') service: string,
    @Query('operation') operation?: string,
    @Query('minDuration') minDuration?: string,
    @Query('maxDuration') maxDuration?: string,
    @Query('tags') tags?: string,
    @Query('limit') limit?: string,
  ) {
    if (!service) throw new HttpException('?service= is required (Jaeger searches one service at a time)', HttpStatus.BAD_REQUEST);
    return this.console.jaeger((jaeger) =>
      jaeger.search({
        service,
        ...(operation ? { operation } : {}),
        ...(minDuration ? { minDuration } : {}),
        ...(maxDuration ? { maxDuration } : {}),
        ...(tags ? { tags } : {}),
        limit: Math.min(Number(limit) || 20, 100),
      }),
    );
  }

  @Get('api/traces/:id')
  trace(@Param('id') id: string) {
    return this.console.jaeger((jaeger) => jaeger.trace(id));
  }

  @Get('api/workflows')
  workflows() {
    return this.console.temporalReader((temporal) => temporal.executions());
  }

  @Get('api/proxies/:id/intended')
  intended(@Param('id') id: string) {
    return this.proxyCall(() => ({ proxy: id, resources: this.console.intended(id) }));
  }

  @Get('api/proxies/:id/diff')
  diff(@Param('id') id: string) {
    return this.proxyCall(() => this.console.diff(id));
  }

  private async proxyCall<T>(call: () => T | Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof UnknownProxyError) throw new HttpException(error.message, HttpStatus.NOT_FOUND);
      throw new HttpException(error instanceof Error ? error.message : String(error), HttpStatus.BAD_GATEWAY);
    }
  }
}
