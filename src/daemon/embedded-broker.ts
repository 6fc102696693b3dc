import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

/**
 * An in-process MQTT broker (aedes) on loopback, for pipelines that name no broker: the demo and
 * first experiments run with nothing installed. Not meant for production traffic.
 */
export async function startEmbeddedBroker(port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}
