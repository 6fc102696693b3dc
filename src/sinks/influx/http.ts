import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ErrorCodes } from '../../errors.js';
import { PRECISION_PARAM, type Precision } from '../line-protocol.js';
import { SinkError } from '../types.js';

/**
 * Raw HTTP against InfluxDB 1.x rather than the `influx` npm package: we need the exact line
 * protocol we encode and test (its escaping differs), a precision chosen per batch, the status
 * and error body of every answer to tell 4xx from 5xx and partial writes, and our own retry
 * policy instead of its host pool's.
 *
 * node:http rather than fetch: influxd copies its error, control characters and all, into an
 * X-Influxdb-Error header, which fetch refuses to parse; a refused 400 then looks like a network
 * error and would be retried. The lenient parser (insecureHTTPParser) reads it, and the body has
 * the same message as JSON.
 */

interface Answer {
  status: number;
  body: string;
}

export type WriteOutcome = { kind: 'written' } | { kind: 'partial'; message: string; dropped: number | undefined };

export interface InfluxHttpOptions {
  sink: string;
  url: string;
  database: string;
  retentionPolicy: string | undefined;
  authorization: string | undefined;
  requestTimeoutMs: number;
}

const PARTIAL = /^partial write:/;
const DROPPED = /dropped=(\d+)\s*$/;

export class InfluxHttp {
  readonly #options: InfluxHttpOptions;

  constructor(options: InfluxHttpOptions) {
    this.#options = options;
  }

  /** Sends lines; resolves for 2xx and partial writes, throws a SinkError for everything else. */
  async write(body: string, precision: Precision): Promise<WriteOutcome> {
    const { database, retentionPolicy } = this.#options;
    const params = new URLSearchParams({ db: database, precision: PRECISION_PARAM[precision] });
    if (retentionPolicy !== undefined) params.set('rp', retentionPolicy);
    const response = await this.#request(`/write?${params}`, body, 'text/plain; charset=utf-8');
    if (response.status >= 200 && response.status < 300) return { kind: 'written' };
    const message = parseError(response.body) || `HTTP ${response.status}`;
    if (response.status === 400 && PARTIAL.test(message)) {
      const dropped = DROPPED.exec(message);
      return { kind: 'partial', message, dropped: dropped ? Number(dropped[1]) : undefined };
    }
    throw this.#failure(response.status, message);
  }

  /** CREATE DATABASE is idempotent in InfluxDB 1.x. */
  async createDatabase(): Promise<void> {
    const q = `CREATE DATABASE "${this.#options.database.replace(/["\\]/g, '\\$&')}"`;
    const response = await this.#request('/query', new URLSearchParams({ q }).toString(), 'application/x-www-form-urlencoded');
    const text = response.body;
    if (response.status < 200 || response.status >= 300) throw this.#failure(response.status, parseError(text));
    // /query answers 200 with {"results":[{"error":...}]} when a statement failed.
    const failed = (JSON.parse(text) as { results?: { error?: string }[] }).results?.find((r) => r.error !== undefined);
    if (failed?.error !== undefined) throw this.#failure(400, failed.error);
  }

  #request(path: string, body: string, contentType: string): Promise<Answer> {
    const { url, authorization, requestTimeoutMs, sink } = this.#options;
    const target = new URL(`${url}${path}`);
    const headers: Record<string, string | number> = { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
    if (authorization !== undefined) headers.authorization = authorization;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const unavailable = (reason: string, cause?: unknown) =>
        new SinkError(
          ErrorCodes.SINK_UNAVAILABLE,
          `InfluxDB at ${url}: expected an answer within ${requestTimeoutMs} ms, received ${reason}`,
          { sink },
          { cause },
        );
      const req = send(target, { method: 'POST', headers, insecureHTTPParser: true, timeout: requestTimeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => reject(unavailable(error.message, error)));
      });
      req.on('timeout', () => req.destroy(new Error('a timeout')));
      req.on('error', (error) => reject(unavailable(error.message, error)));
      req.end(body);
    });
  }

  #failure(status: number, message: string): SinkError {
    const { url, sink } = this.#options;
    const code = status >= 400 && status < 500 ? ErrorCodes.SINK_REJECTED : ErrorCodes.SINK_UNAVAILABLE;
    return new SinkError(code, `InfluxDB at ${url}: expected 2xx, received ${status}: ${message}`, { sink, status, serverMessage: message });
  }
}

function parseError(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // Not JSON (a proxy's page, say): keep the text.
  }
  return text.trim();
}
