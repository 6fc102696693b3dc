import { type ChildProcess, spawn } from 'node:child_process';
import { waitFor } from './influx-read.js';

/** A message as mosquitto_sub printed it. */
export interface Received {
  retain: boolean;
  qos: number;
  topic: string;
  payload: string;
}

/** mosquitto_sub, a client that is not ours, printing `retain<TAB>qos<TAB>topic<TAB>payload` a line. */
export class Subscriber {
  readonly received: Received[] = [];
  readonly #child: ChildProcess;
  #buffer = '';
  #errors = '';

  constructor(port: number, topic: string, args: string[] = []) {
    this.#child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-q', '2', '-F', '%r\\t%q\\t%t\\t%p', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('utf8');
      let newline = this.#buffer.indexOf('\n');
      while (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        const [retain, qos, topicName, ...payload] = line.split('\t');
        this.received.push({ retain: retain === '1', qos: Number(qos), topic: topicName, payload: payload.join('\t') });
        newline = this.#buffer.indexOf('\n');
      }
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#errors += chunk.toString('utf8');
    });
  }

  async waitFor(what: string, condition: (received: readonly Received[]) => boolean): Promise<void> {
    await waitFor(`${what} (mosquitto_sub stderr: ${this.#errors || 'empty'})`, () => condition(this.received));
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
