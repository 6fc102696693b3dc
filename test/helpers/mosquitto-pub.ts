import { spawn } from 'node:child_process';

/** Publishes lines with mosquitto_pub (a client that is not ours), one QoS 1 message per line, in order. */
export function mosquittoPub(port: number, topic: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-l']);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}
