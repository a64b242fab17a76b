import { join } from 'node:path';
import { credentials, loadPackageDefinition, type CallOptions, type Client, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { repoRoot } from '@mesh/harness';

/** mesh.echo.v1 (proto/echo/v1/echo.proto), as the test fixture serves it. */
export interface SayReply {
  instance: string;
  message: string;
}

export interface EchoClient extends Client {
  Say(request: { message: string }, options: CallOptions, callback: (error: ServiceError | null, reply?: SayReply) => void): ClientUnaryCall;
}

type EchoClientConstructor = new (target: string, creds: ReturnType<typeof credentials.createInsecure>) => EchoClient;

let constructor: EchoClientConstructor | undefined;

function echoClientConstructor(): EchoClientConstructor {
  if (!constructor) {
    const definition = loadSync('echo/v1/echo.proto', { keepCase: true, defaults: true, includeDirs: [join(repoRoot(), 'proto')] });
    const pkg = loadPackageDefinition(definition) as unknown as { mesh: { echo: { v1: { Echo: EchoClientConstructor } } } };
    constructor = pkg.mesh.echo.v1.Echo;
  }
  return constructor;
}

/** A plaintext Echo client for any grpc-js target, e.g. `127.0.0.1:50051` or `xds:///echo`. */
export function echoClient(target: string): EchoClient {
  const Echo = echoClientConstructor();
  return new Echo(target, credentials.createInsecure());
}

/** One Say call with a deadline; resolves with the name of the instance that answered. */
export function say(client: EchoClient, message = 'hello', timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    client.Say({ message }, { deadline: Date.now() + timeoutMs }, (error, reply) => {
      if (error) reject(new Error(`Say via ${client.getChannel().getTarget()}: ${error.code} ${error.details}`));
      else if (reply?.message !== message) reject(new Error(`Say via ${client.getChannel().getTarget()}: unexpected reply ${JSON.stringify(reply)}`));
      else resolve(reply.instance);
    });
  });
}
