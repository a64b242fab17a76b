import { Controller, Get, HttpCode, Module, Post, UseGuards } from '@nestjs/common';
import request from 'supertest';
import { z } from 'zod';
import { CurrentUser, JwtAuthGuard } from '../auth/jwt-auth.guard';
import type { AuthClaims } from '../auth/jwt-codec';
import { ApiZodBody, ZodBody } from '../validation/zod-body';
import { bearer, createTestApp, testServiceConfig } from '../testing';
import { ServiceKitModule } from './service-kit.module';
import type { ServiceKit } from './service-kit';
import type { INestApplication } from '@nestjs/common';

const Greeting = z.object({ name: z.string().min(1), times: z.number().int().positive().optional() });

@Controller('greetings')
class GreetingController {
  @Post()
  @HttpCode(201)
  @ApiZodBody(Greeting)
  create(@ZodBody(Greeting) body: z.infer<typeof Greeting>): { text: string } {
    return { text: `hello ${body.name}`.repeat(body.times ?? 1) };
  }

  @Get('mine')
  @UseGuards(JwtAuthGuard)
  mine(@CurrentUser() user: AuthClaims): { userId: string } {
    return { userId: user.userId };
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internals');
  }
}

function rootModule(kit: ServiceKit) {
  @Module({ imports: [ServiceKitModule.forRoot(kit)], controllers: [GreetingController] })
  class TestModule {}
  return TestModule;
}

describe('createServiceApp', () => {
  let app: INestApplication;
  let kit: ServiceKit;
  beforeAll(async () => {
    ({ app, kit } = await createTestApp(rootModule, testServiceConfig({ name: 'greeter', port: 3999, sidecarPort: 21999 })));
  });
  afterAll(() => app.close());

  it('validates bodies and answers with the parsed value', async () => {
    await request(app.getHttpServer()).post('/greetings').send({ name: 'ann', times: 2, extra: true }).expect(201, { text: 'hello annhello ann' });
  });

  it('lists every invalid field with its path', async () => {
    const response = await request(app.getHttpServer()).post('/greetings').send({ times: -1 }).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED', path: '/greetings' });
    expect(response.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['name', 'times']);
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const response = await request(app.getHttpServer()).post('/greetings').set('Content-Type', 'application/json').send('{"name": "ann",').expect(400);
    expect(response.body).toMatchObject({ code: 'MALFORMED_JSON', statusCode: 400 });
    expect(response.body.message).toMatch(/Malformed JSON body/);
  });

  it('answers an empty body with 400 naming the missing fields', async () => {
    const response = await request(app.getHttpServer()).post('/greetings').expect(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.body.message).toMatch(/empty or not JSON: name:/);
  });

  it('guards routes with the shared JWT: missing, forged and valid tokens', async () => {
    const server = app.getHttpServer();
    expect((await request(server).get('/greetings/mine').expect(401)).body).toMatchObject({ code: 'MISSING_TOKEN' });
    expect((await request(server).get('/greetings/mine').set('Authorization', 'Basic abc').expect(401)).body).toMatchObject({ code: 'INVALID_TOKEN' });
    const valid = await bearer(kit, { userId: 'u-9' });
    const [h, p] = valid.slice('Bearer '.length).split('.');
    expect((await request(server).get('/greetings/mine').set('Authorization', `Bearer ${h}.${p}.forged`).expect(401)).body).toMatchObject({ code: 'INVALID_TOKEN' });
    await request(server).get('/greetings/mine').set('Authorization', valid).expect(200, { userId: 'u-9' });
  });

  it('hides unexpected errors behind a 500 body and a 404 body for unknown routes', async () => {
    const boom = await request(app.getHttpServer()).get('/greetings/boom').expect(500);
    expect(boom.body).toMatchObject({ code: 'INTERNAL', statusCode: 500 });
    expect(JSON.stringify(boom.body)).not.toContain('secret internals');
    expect((await request(app.getHttpServer()).get('/nowhere').expect(404)).body).toMatchObject({ code: 'NOT_FOUND', path: '/nowhere' });
  });

  it('serves /health, /metrics with the request histogram, and /openapi.json', async () => {
    const server = app.getHttpServer();
    kit.health.add('always', () => undefined);
    expect((await request(server).get('/health').expect(200)).body).toMatchObject({ status: 'pass', service: 'greeter', checks: { always: { status: 'pass' } } });
    await request(server).post('/greetings').send({ name: 'x' }).expect(201);
    const metrics = await request(server).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(/http_server_request_duration_seconds_count\{service="greeter",method="POST",route="\/greetings",status_code="201"\} [1-9]/);
    const openapi = await request(server).get('/openapi.json').expect(200);
    expect(openapi.body.paths['/greetings'].post.requestBody.content['application/json'].schema).toMatchObject({ required: ['name'], properties: { name: { type: 'string', minLength: 1 } } });
    expect(openapi.body.paths['/health']).toBeDefined();
  });

  it('answers 503 from /health when a check fails', async () => {
    kit.health.add('database', () => {
      throw new Error('disk gone');
    });
    const response = await request(app.getHttpServer()).get('/health').expect(503);
    expect(response.body.checks.database).toEqual({ status: 'fail', reason: 'disk gone' });
  });
});
