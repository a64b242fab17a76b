import { ConsulError, ConsulResponseError, ConsulUnreachableError, errorMessage } from './consul-errors';
import type { ConsulRequest, ConsulResponse, ConsulTransport } from './consul-transport';

/** Timeout of a non-blocking read: a first read, a read after an index reset, a refetch. */
export const READ_TIMEOUT_MS = 10_000;

/** One GET that rejects only with a ConsulError (or anything at all once the signal aborted). */
export async function readConsul(transport: ConsulTransport, request: ConsulRequest): Promise<ConsulResponse> {
  try {
    return await transport.get(request);
  } catch (error) {
    // A transport other than ours might not keep the ConsulError contract; an unknown failure there is a network one.
    throw error instanceof ConsulError ? error : new ConsulUnreachableError(transport.address, request.path, errorMessage(error), { cause: error });
  }
}

/** Runs a body parser so that whatever it throws surfaces as a ConsulResponseError on `path`. */
export function parseAnswer<T>(parse: (body: unknown, path: string) => T, body: unknown, path: string): T {
  try {
    return parse(body, path);
  } catch (error) {
    throw error instanceof ConsulError ? error : new ConsulResponseError(path, errorMessage(error));
  }
}
