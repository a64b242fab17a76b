import { randomBytes } from 'node:crypto';
import { waitFor } from '@mesh/harness';
import type { DecisionRecord, DocumentKind, NotificationRecord, OnboardingStatus } from '@mesh/service-kit/contract';
import type { HttpResult } from './http-request';
import type { JsonResult, OnboardingPlatform } from './onboarding-platform';

/** What the journey needs of a platform: requests through its gateway (the local platform or a simulated cluster). */
export type GatewayClient = Pick<OnboardingPlatform, 'call' | 'callJson'>;


/** The error body every service sends with a 4xx/5xx (services/shared/src/errors/api-error.ts). */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
  path: string;
}

/** GET /users/me/status as user-service answers it. */
export interface StatusView {
  userId: string;
  profileCompleted: boolean;
  onboarding: { workflowId: string; executionStatus: string; status?: OnboardingStatus; reason?: string };
  approval:
    | { source: 'approval-service'; stale: false; decision: DecisionRecord | null }
    | { source: 'last-known'; stale: true; decision: DecisionRecord; fetchedAt: string; ageSeconds: number; reason: string }
    | { source: 'unavailable'; stale: true; decision: null; reason: string };
}

export interface Account {
  email: string;
  password: string;
  userId: string;
  token: string;
}

export const PROFILE = { name: 'Ada Lovelace', address: '12 St James Square, London', contact: 'ada@example.test' };

/** The smallest file the document service accepts as a PDF (it checks the magic number). */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

function expectStatus<T extends HttpResult>(what: string, result: T, status: number): T {
  if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${result.body.slice(0, 500)}`);
  return result;
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.test`;
}

/** Register with auth-service, then log in: the account with its JWT. */
export async function signUp(platform: GatewayClient, prefix = 'user'): Promise<Account> {
  const email = uniqueEmail(prefix);
  const password = 'correct horse battery staple';
  expectStatus('register', await platform.call('POST', '/auth/register', { json: { email, password } }), 201);
  const login = expectStatus('login', await platform.callJson<{ accessToken: string; userId: string }>('POST', '/auth/login', { json: { email, password } }), 200);
  return { email, password, userId: login.json.userId, token: login.json.accessToken };
}

/** POST /users: the profile record, and OnboardUser started. */
export async function createUser(platform: GatewayClient, account: Account): Promise<void> {
  expectStatus('create user', await platform.call('POST', '/users', { json: {}, token: account.token }), 201);
}

export async function completeProfile(platform: GatewayClient, account: Account, profile = PROFILE): Promise<void> {
  expectStatus('complete profile', await platform.call('PUT', '/users/me/profile', { json: profile, token: account.token }), 200);
}

export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

/** A multipart/form-data body, built by hand so a test controls every byte. */
export function multipart(fields: Record<string, string>, files: FilePart[]): { body: Buffer; contentType: string } {
  const boundary = `----mesh-test-${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n`));
    parts.push(file.content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function upload(platform: GatewayClient, account: Account | undefined, fields: Record<string, string>, files: FilePart[]): Promise<HttpResult> {
  const { body, contentType } = multipart(fields, files);
  return platform.call('POST', '/documents', { body, headers: { 'content-type': contentType }, ...(account ? { token: account.token } : {}) });
}

export async function uploadDocument(platform: GatewayClient, account: Account, kind: DocumentKind = 'id'): Promise<{ id: string }> {
  const result = await upload(platform, account, { kind }, [{ field: 'file', filename: `${kind}.pdf`, contentType: 'application/pdf', content: PDF }]);
  expectStatus('upload', result, 202);
  return JSON.parse(result.body) as { id: string };
}

export async function status(platform: GatewayClient, account: Account): Promise<JsonResult<StatusView>> {
  return platform.callJson<StatusView>('GET', '/users/me/status', { token: account.token });
}

/** Polls the status endpoint until the workflow has completed and approval-service has the decision. */
export async function waitForDecision(platform: GatewayClient, account: Account, timeoutMs = 60_000): Promise<StatusView> {
  return waitFor(
    `${account.email}: OnboardUser completed with a decision`,
    async () => {
      const { status: code, json, body } = await status(platform, account);
      if (code !== 200) throw new Error(`status ${code} ${body.slice(0, 300)}`);
      if (json.onboarding.executionStatus !== 'COMPLETED' || !json.approval.decision) throw new Error(`status ${body.slice(0, 400)}`);
      return json;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

export async function notifications(platform: GatewayClient, account: Account): Promise<NotificationRecord[]> {
  const result = await platform.callJson<NotificationRecord[]>('GET', `/notifications?userId=${encodeURIComponent(account.userId)}`, { token: account.token });
  expectStatus('notifications', result, 200);
  return result.json;
}
