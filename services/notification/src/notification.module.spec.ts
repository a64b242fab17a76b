import { type ServiceKit, SqliteDatabase } from '@mesh/service-kit';
import { bearer, createTestApp, testServiceConfig } from '@mesh/service-kit/testing';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DeliveryWorker } from './delivery-worker';
import type { NotificationSettings } from './notification-settings';
import { NOTIFICATION_DEFAULTS, NotificationModule } from './notification.module';

/** Replays a fixed sequence of "random" numbers; each attempt draws latency, then failure. */
function sequence(...values: number[]) {
  let i = 0;
  return { next: () => values[i++ % values.length] ?? 0 };
}

describe('notification-service', () => {
  let app: INestApplication;
  let kit: ServiceKit;
  let worker: DeliveryWorker;
  let db: SqliteDatabase;
  const server = () => app.getHttpServer();

  async function start(overrides: Partial<NotificationSettings> = {}, random = sequence(0.5)) {
    const settings: NotificationSettings = { latencyMs: { min: 0, max: 0 }, failureRate: 0, maxAttempts: 3, retryMs: 0, ...overrides };
    ({ app, kit } = await createTestApp((k) => NotificationModule.forRoot(k, settings, random), testServiceConfig(NOTIFICATION_DEFAULTS)));
    worker = app.get(DeliveryWorker);
    db = app.get(SqliteDatabase);
  }
  afterEach(() => app.close());

  const welcome = { userId: 'u-1', channel: 'email', template: 'welcome', data: { email: 'ann@example.test' } };

  it('answers 202 at once and delivers asynchronously, recording the delivery', async () => {
    await start();
    const queued = await request(server()).post('/notifications').send(welcome).expect(202);
    expect(queued.body).toMatchObject({ ...welcome, id: expect.any(String), status: 'queued', createdAt: expect.any(String) });
    await worker.idle();

    const token = await bearer(kit, { userId: 'u-1' });
    const list = await request(server()).get('/notifications?userId=u-1').set('Authorization', token).expect(200);
    expect(list.body).toMatchObject([{ id: queued.body.id, status: 'delivered', deliveredAt: expect.any(String), template: 'welcome' }]);
    const detail = await request(server()).get(`/notifications/${queued.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body.deliveries).toMatchObject([{ attempt: 1, channel: 'email', outcome: 'delivered', recipient: 'ann@example.test', message: expect.stringMatching(/^Welcome!/) }]);
  });

  it('retries failed attempts and marks the notification failed after the last one', async () => {
    // Every attempt fails: latency 0, failure draw 0 < rate.
    await start({ failureRate: 0.5, maxAttempts: 3 }, sequence(0, 0));
    const queued = await request(server()).post('/notifications').send({ userId: 'u-1', channel: 'sms', template: 'profile-reminder', data: { reminder: '1' } }).expect(202);
    await worker.idle();
    const token = await bearer(kit, { userId: 'u-1' });
    const detail = await request(server()).get(`/notifications/${queued.body.id}`).set('Authorization', token).expect(200);
    expect(detail.body.status).toBe('failed');
    expect(detail.body.deliveries.map((d: { attempt: number; outcome: string }) => `${d.attempt}:${d.outcome}`)).toEqual(['1:failed', '2:failed', '3:failed']);
  });

  it('delivers on a retry after a failed attempt', async () => {
    await start({ failureRate: 0.5 }, sequence(0, 0, 0, 0.9));
    const queued = await request(server()).post('/notifications').send({ ...welcome, channel: 'push' }).expect(202);
    await worker.idle();
    const detail = await request(server()).get(`/notifications/${queued.body.id}`).set('Authorization', await bearer(kit, { userId: 'u-1' })).expect(200);
    expect(detail.body).toMatchObject({ status: 'delivered', deliveries: [{ outcome: 'failed' }, { outcome: 'delivered' }] });
  });

  it('does not send twice for a repeated Idempotency-Key', async () => {
    await start();
    const first = await request(server()).post('/notifications').set('Idempotency-Key', 'onboard-u-1/1').send(welcome).expect(202);
    const again = await request(server()).post('/notifications').set('Idempotency-Key', 'onboard-u-1/1').send(welcome).expect(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await worker.idle();
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries')?.n).toBe(1);
  });

  it('resumes notifications left queued by a restart', async () => {
    await start();
    db.run("INSERT INTO notifications (id, user_id, channel, template, data, status, created_at) VALUES ('n-1', 'u-1', 'email', 'welcome', '{}', 'queued', '2030-01-01T00:00:00.000Z')");
    await worker.onApplicationBootstrap();
    await worker.idle();
    expect(db.get<{ status: string }>("SELECT status FROM notifications WHERE id = 'n-1'")?.status).toBe('delivered');
  });

  it.each([
    ['an unknown channel', { ...welcome, channel: 'pigeon' }],
    ['an unknown template', { ...welcome, template: 'spam' }],
    ['a missing user', { channel: 'email', template: 'welcome' }],
    ['non-string data', { ...welcome, data: { n: 1 } }],
  ])('refuses %s with 400 and queues nothing', async (_name, body) => {
    await start();
    expect((await request(server()).post('/notifications').send(body).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect(db.get<{ n: number }>('SELECT COUNT(*) AS n FROM notifications')?.n).toBe(0);
  });

  it('lists only the caller’s notifications', async () => {
    await start();
    await request(server()).get('/notifications?userId=u-1').expect(401);
    const other = await bearer(kit, { userId: 'u-2' });
    expect((await request(server()).get('/notifications?userId=u-1').set('Authorization', other).expect(403)).body.code).toBe('FORBIDDEN');
    await request(server()).post('/notifications').send(welcome).expect(202);
    await worker.idle();
    expect((await request(server()).get('/notifications').set('Authorization', other).expect(200)).body).toEqual([]);
    expect((await request(server()).get('/notifications').set('Authorization', await bearer(kit, { userId: 'u-1' })).expect(200)).body).toHaveLength(1);
  });
});
