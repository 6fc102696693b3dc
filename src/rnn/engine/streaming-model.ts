import { ErrorCodes, RecurError } from '../../errors.js';
import { Arena } from '../kernels/arena.js';
import { createKernel, type KernelPreference } from '../kernels/select.js';
import type { Kernel, KernelName } from '../kernels/types.js';
import type { LoadedModel } from '../model/artifacts.js';
import { loadModelFiles, saveModelFiles } from '../model/files.js';
import type { ModelSpec } from '../model/spec.js';
import { type ExecutionPlan, planModel } from './plan.js';
import { runSequence } from './sequence.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { StatePool } from './state-pool.js';

export interface StreamingModelOptions {
  /**
   * Which kernel computes the cells: 'wasm' (SIMD), 'js' (reference) or 'auto' (wasm when it loads).
   * @default process.env.RECUR_KERNEL, else 'auto'
   */
  kernel?: KernelPreference;
  /**
   * Clock used to stamp when a stream was last stepped (for evictIdle), in milliseconds.
   * @default Date.now
   */
  now?: () => number;
}

/** Streams stepped per kernel call: bounds the scratch memory whatever the batch size. */
const CHUNK = 256;

/**
 * A recurrent model run online: one step per frame for any number of independent streams, each
 * with its own state (zero on first sight). The state of every stream lives in one pool in the
 * kernel's memory; a step batches the named streams through every layer with no tfjs op.
 */
export class StreamingModel {
  readonly spec: ModelSpec;
  readonly fingerprint: string;
  readonly #loaded: LoadedModel;
  readonly #kernel: Kernel;
  readonly #arena: Arena;
  readonly #plan: ExecutionPlan;
  readonly #pool: StatePool;
  readonly #now: () => number;
  readonly #bufferA: number;
  readonly #bufferB: number;
  readonly #pointers: number;
  #slots = new Int32Array(CHUNK);
  #stamps = new Int32Array(0);
  #call = 0;

  private constructor(loaded: LoadedModel, options: StreamingModelOptions) {
    this.#loaded = loaded;
    this.spec = loaded.spec;
    this.fingerprint = loaded.fingerprint;
    this.#arena = new Arena();
    this.#kernel = createKernel(this.#arena, options.kernel);
    this.#plan = planModel(this.spec, this.#kernel);
    this.#pool = new StatePool(this.#arena, this.#plan.slotFloats);
    this.#now = options.now ?? Date.now;
    this.#bufferA = this.#arena.alloc(CHUNK * this.#plan.maxWidth * 4);
    this.#bufferB = this.#arena.alloc(CHUNK * this.#plan.maxWidth * 4);
    this.#pointers = this.#arena.alloc(CHUNK * 4);
  }

  /** Loads a TensorFlow.js layers model: a folder holding model.json, or the model.json itself. */
  static async load(path: string, options: StreamingModelOptions = {}): Promise<StreamingModel> {
    return new StreamingModel(loadModelFiles(path), options);
  }

  static fromLoaded(loaded: LoadedModel, options: StreamingModelOptions = {}): StreamingModel {
    return new StreamingModel(loaded, options);
  }

  get inputSize(): number {
    return this.spec.inputSize;
  }

  get outputSize(): number {
    return this.spec.outputSize;
  }

  get kernelName(): KernelName {
    return this.#kernel.name;
  }

  get streamCount(): number {
    return this.#pool.size;
  }

  /** Bytes of state one stream holds (all layers, padded to 16 bytes each). */
  get stateBytesPerStream(): number {
    return this.#plan.slotFloats * 4;
  }

  /** Bytes the model's memory holds: weights, scratch and every stream's state. */
  get memoryBytes(): number {
    return this.#arena.memory.buffer.byteLength;
  }

  /** Whether step() can run this model (false when a layer needs the whole sequence). */
  get online(): boolean {
    return this.#plan.offlineOnly === undefined;
  }

  /**
   * One time step for each named stream.
   * @param streams distinct stream ids; unseen ones start from zero state
   * @param inputs streams.length x inputSize values, row-major
   * @param times optional frame timestamps (ms), remembered per stream (see lastTimestamp)
   * @returns streams.length x outputSize values, row-major
   */
  step(streams: readonly string[], inputs: Float32Array, times?: ArrayLike<number>): Float32Array {
    this.#checkAndAcquire(streams, inputs, times);
    const batch = streams.length;
    const out = new Float32Array(batch * this.outputSize);
    const now = this.#now();
    for (let start = 0; start < batch; start += CHUNK) {
      const n = Math.min(CHUNK, batch - start);
      for (let i = 0; i < n; i++) {
        const slot = this.#slots[start + i];
        this.#pool.touch(slot, now, times?.[start + i]);
      }
      this.#stepChunk(start, n, inputs, out);
    }
    return out;
  }

  /** Checks sizes, values and duplicates, and acquires every stream's slot before any state changes. */
  #checkAndAcquire(streams: readonly string[], inputs: Float32Array, times?: ArrayLike<number>): void {
    if (this.#plan.offlineOnly !== undefined) {
      throw new RecurError(
        ErrorCodes.MODEL_UNSUPPORTED,
        `layer '${this.#plan.offlineOnly}' is Bidirectional: it needs the future of the sequence, so it cannot run online; use predictSequence`,
      );
    }
    const batch = streams.length;
    const d = this.inputSize;
    if (inputs.length !== batch * d) {
      throw new RecurError(ErrorCodes.INPUT_SHAPE, `expected ${batch} streams x ${d} inputs = ${batch * d} values, received ${inputs.length}`);
    }
    if (times !== undefined && times.length !== batch) {
      throw new RecurError(ErrorCodes.INPUT_SHAPE, `expected ${batch} timestamps, received ${times.length}`);
    }
    for (let i = 0; i < inputs.length; i++) {
      if (!Number.isFinite(inputs[i])) {
        const row = Math.floor(i / d);
        throw new RecurError(ErrorCodes.NON_FINITE, `stream '${streams[row]}' input ${i % d} is ${inputs[i]}; expected a finite number`);
      }
    }
    if (this.#slots.length < batch) this.#slots = new Int32Array(batch);
    const call = ++this.#call;
    const created: number[] = [];
    for (let i = 0; i < batch; i++) {
      const known = this.#pool.slotOf(streams[i]);
      const slot = known ?? this.#pool.acquire(streams[i]);
      if (known === undefined) created.push(slot);
      if (this.#stamps.length <= slot) {
        const grown = new Int32Array(Math.max(slot + 1, this.#stamps.length * 2, 64));
        grown.set(this.#stamps);
        this.#stamps = grown;
      }
      if (this.#stamps[slot] === call) {
        for (const s of created) this.#pool.release(s);
        throw new RecurError(ErrorCodes.INPUT_SHAPE, `stream '${streams[i]}' appears twice in one step; step it once per call, in order`);
      }
      this.#stamps[slot] = call;
      this.#slots[i] = slot;
    }
  }

  #stepChunk(start: number, n: number, inputs: Float32Array, out: Float32Array): void {
    const d = this.inputSize;
    const f32 = this.#arena.f32;
    f32.set(inputs.subarray(start * d, (start + n) * d), this.#bufferA >> 2);
    let current = this.#bufferA;
    let other = this.#bufferB;
    for (const layer of this.#plan.layers) {
      if (layer.type === 'recurrent') {
        const i32 = this.#arena.i32;
        const base = this.#pointers >> 2;
        for (let i = 0; i < n; i++) i32[base + i] = this.#pool.pointer(this.#slots[start + i]) + layer.stateOffset;
        this.#kernel.stepCell(layer.cell, n, current, this.#pointers, other);
      } else if (layer.type === 'dense') {
        this.#kernel.dense(layer.dense, n, current, other);
      }
      [current, other] = [other, current];
    }
    const o = this.outputSize;
    out.set(this.#arena.f32.subarray(current >> 2, (current >> 2) + n * o), start * o);
  }

  /** Forgets a stream: its next frame starts from zero state. Returns whether it was live. */
  reset(stream: string): boolean {
    const slot = this.#pool.slotOf(stream);
    if (slot === undefined) return false;
    this.#pool.release(slot);
    return true;
  }

  /**
   * Forgets every stream not stepped in the last `idleMs` milliseconds; returns how many.
   * `onEvict` hears each one with its last frame timestamp (undefined when steps carried none).
   */
  evictIdle(idleMs: number, onEvict?: (stream: string, lastT: number | undefined) => void): number {
    const tell = onEvict
      ? (stream: string, slot: number) => {
          const t = this.#pool.lastT(slot);
          onEvict(stream, Number.isNaN(t) ? undefined : t);
        }
      : undefined;
    return this.#pool.releaseOlderThan(this.#now() - idleMs, tell);
  }

  has(stream: string): boolean {
    return this.#pool.slotOf(stream) !== undefined;
  }

  /** The timestamp passed with the stream's last step, if any. */
  lastTimestamp(stream: string): number | undefined {
    const slot = this.#pool.slotOf(stream);
    if (slot === undefined) return undefined;
    const t = this.#pool.lastT(slot);
    return Number.isNaN(t) ? undefined : t;
  }

  /** Every stream's state, last-seen time and last timestamp, bound to this model's fingerprint. */
  snapshot(): Uint8Array {
    const f32 = this.#arena.f32;
    const floats = this.#plan.slotFloats;
    const streams = [...this.#pool.entries()].map(([id, slot]) => {
      const ptr = this.#pool.pointer(slot) >> 2;
      return { id, lastSeen: this.#pool.lastSeen(slot), lastT: this.#pool.lastT(slot), state: f32.subarray(ptr, ptr + floats) };
    });
    return encodeSnapshot({ fingerprint: this.fingerprint, slotFloats: floats }, streams);
  }

  /** Replaces every stream's state with a snapshot's; refuses a corrupt one or another model's. */
  restore(bytes: Uint8Array): void {
    const streams = decodeSnapshot(bytes, { fingerprint: this.fingerprint, slotFloats: this.#plan.slotFloats });
    this.#pool.clear();
    for (const s of streams) {
      const slot = this.#pool.acquire(s.id);
      this.#arena.f32.set(s.state, this.#pool.pointer(slot) >> 2);
      this.#pool.touch(slot, s.lastSeen, Number.isNaN(s.lastT) ? undefined : s.lastT);
    }
  }

  /**
   * Offline path over a whole sequence from zero state, layer by layer (Bidirectional runs here).
   * @param inputs T x inputSize values, row-major
   * @returns T x outputSize rows: the output after each step; a model ending in a Bidirectional
   *   layer with return_sequences=false gives the single row Keras' predict gives.
   */
  predictSequence(inputs: Float32Array | readonly (readonly number[])[]): Float32Array {
    const flat = inputs instanceof Float32Array ? inputs : Float32Array.from(inputs.flat());
    if (flat.length % this.inputSize !== 0) {
      throw new RecurError(ErrorCodes.INPUT_SHAPE, `expected T x ${this.inputSize} values, received ${flat.length}`);
    }
    return runSequence(
      {
        kernel: this.#kernel,
        arena: this.#arena,
        pool: this.#pool,
        plan: this.#plan,
        buffers: [this.#bufferA, this.#bufferB],
        rowsPerCall: CHUNK,
        pointers: this.#pointers,
      },
      flat,
      this.inputSize,
    );
  }

  /** Writes the model back in the TensorFlow.js layers format (model.json + one float32 shard). */
  save(folder: string): string {
    return saveModelFiles(this.#loaded, folder);
  }
}
