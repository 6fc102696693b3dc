import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromPublisher, PublisherConfig, PublisherCount, ToPublisher } from './publisher-protocol.js';

const script = fileURLToPath(new URL('./publisher.js', import.meta.url));

/** The publisher process seen from the bench: start, read its counts, stop. */
export interface Publisher {
  readonly pid: number | undefined;
  /** Publishes one frame on every stream. */
  prime(): Promise<PublisherCount>;
  start(): void;
  count(): Promise<PublisherCount>;
  /** Stops publishing and resolves once the broker took (QoS 0) or acknowledged (QoS 1) every frame. */
  stop(): Promise<PublisherCount>;
  kill(): void;
}

/** Forks publisher.js (from dist) and resolves once it is connected to the broker. */
export async function startPublisher(config: PublisherConfig): Promise<Publisher> {
  const child: ChildProcess = fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map<string, (message: FromPublisher) => void>();
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const resolve of waiting.values()) resolve({ type: 'error', message: error.message });
    waiting.clear();
  };
  child.on('message', (message: FromPublisher) => {
    if (message.type === 'error') return fail(new Error(`publisher: ${message.message}`));
    const resolve = waiting.get(message.type);
    waiting.delete(message.type);
    resolve?.(message);
  });
  child.on('exit', (code, signal) => fail(new Error(`publisher exited (code ${code}, signal ${signal})`)));
  /** Sends `cmd` (if any) and waits for the answer of type `answer`. */
  const ask = (cmd: ToPublisher['cmd'] | undefined, answer: FromPublisher['type']): Promise<FromPublisher> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(answer, (message) => (message.type === 'error' ? reject(failure ?? new Error(message.message)) : resolve(message)));
      if (cmd) child.send({ cmd } satisfies ToPublisher);
    });
  await ask(undefined, 'ready');
  const counted = (message: FromPublisher): PublisherCount => message as PublisherCount;
  return {
    pid: child.pid,
    prime: async () => counted(await ask('prime', 'primed')),
    start: () => child.send({ cmd: 'start' } satisfies ToPublisher),
    count: async () => counted(await ask('count', 'count')),
    stop: async () => counted(await ask('stop', 'stopped')),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
