import { Client, Connection } from '@temporalio/client';

export interface TemporalTestClient {
  client: Client;
  close: () => Promise<void>;
}

/** An SDK client against the harness's dev server (the `default` namespace). */
export async function temporalClient(address: string): Promise<TemporalTestClient> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}
