import { ErrorCodes, RecurError } from '../../errors.js';

/** One entry of a tfjs weights manifest group. */
export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightGroup {
  paths: string[];
  weights: WeightEntry[];
}

export interface NamedWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes one manifest entry occupies in its group's concatenated shards. */
export function entryBytes(entry: WeightEntry): number {
  const stored = entry.quantization?.dtype ?? entry.dtype;
  const size = BYTES[stored];
  if (size === undefined) {
    throw new RecurError(ErrorCodes.MODEL_WEIGHTS, `weight '${entry.name}' has dtype '${stored}'; supported: ${Object.keys(BYTES).join(', ')}`);
  }
  return elementCount(entry.shape) * size;
}

function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Decodes one entry (float32, int32, float16, or tfjs-converter uint8/uint16 quantisation) to floats. */
function decodeEntry(entry: WeightEntry, bytes: Uint8Array): Float32Array {
  const n = elementCount(entry.shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  const q = entry.quantization;
  const stored = q?.dtype ?? entry.dtype;
  for (let i = 0; i < n; i++) {
    let v: number;
    switch (stored) {
      case 'float32':
        v = view.getFloat32(i * 4, true);
        break;
      case 'int32':
        v = view.getInt32(i * 4, true);
        break;
      case 'uint8':
        v = view.getUint8(i);
        break;
      case 'uint16':
        v = view.getUint16(i * 2, true);
        break;
      default: // float16
        v = float16ToFloat32(view.getUint16(i * 2, true));
    }
    out[i] = q && (stored === 'uint8' || stored === 'uint16') ? v * (q.scale ?? 1) + (q.min ?? 0) : v;
  }
  return out;
}

/**
 * Splits the concatenated shard bytes of one manifest group into named float arrays, checking that
 * the shards hold exactly the bytes the manifest describes.
 */
export function decodeGroup(group: WeightGroup, data: Uint8Array, where: string): NamedWeight[] {
  const expected = group.weights.reduce((sum, w) => sum + entryBytes(w), 0);
  if (data.byteLength !== expected) {
    throw new RecurError(
      ErrorCodes.MODEL_WEIGHTS,
      `${where}: shards ${group.paths.join(', ')} hold ${data.byteLength} bytes but the manifest describes ${expected} bytes (${group.weights.length} weights)`,
      { expected, received: data.byteLength, paths: group.paths },
    );
  }
  const out: NamedWeight[] = [];
  let offset = 0;
  for (const entry of group.weights) {
    const size = entryBytes(entry);
    out.push({ name: entry.name, shape: entry.shape, values: decodeEntry(entry, data.subarray(offset, offset + size)) });
    offset += size;
  }
  return out;
}
