import { readdir } from 'node:fs/promises';
import type { IngestLog, LogRecord } from '../../src/durability/ingest-log/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A payload that says which record it is, of varying length (1 to 60 bytes of padding). */
export function payload(i: number): Uint8Array {
  return encoder.encode(`record ${i} ${'x'.repeat(1 + ((i * 7) % 60))}`);
}

export function recordBytes(i: number): number {
  return 8 + payload(i).byteLength;
}

export interface Appended {
  readonly position: number;
  readonly text: string;
}

export function appendMany(log: IngestLog, from: number, count: number): Appended[] {
  const out: Appended[] = [];
  for (let i = from; i < from + count; i++) out.push({ position: log.append(payload(i)), text: decoder.decode(payload(i)) });
  return out;
}

export function readAll(log: IngestLog, from = 0): Appended[] {
  return [...log.read(from)].map((r: LogRecord) => ({ position: r.position, text: decoder.decode(r.payload) }));
}

/** Segment file names, oldest first. */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^\d{20}\.log$/.test(name)).sort();
}

export const baseOf = (name: string): number => Number(name.slice(0, 20));
