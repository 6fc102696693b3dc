import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

let wasmPathsSet = false;

/**
 * Selects a tfjs backend for the peers and waits until it is ready.
 * tfjs-backend-wasm in Node reads its .wasm with fs, so the prefix is the package's dist/ folder as
 * a plain file path (with trailing separator). Prod mode: the peers should run as fast as tfjs can,
 * and it also silences tfjs' "install tfjs-node" banner, which would otherwise mix into bench output.
 */
export async function useTfjsBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    // setWasmPaths throws once the backend was initialised, so only call it before the first use.
    const require = createRequire(import.meta.url);
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    wasmPathsSet = true;
  }
  tf.enableProdMode();
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

export interface TfjsWasmFeatures {
  readonly simd: boolean;
  /** XNNPACK threads; tfjs-backend-wasm 4.x disables threads whenever it runs in Node, so 1. */
  readonly threads: number;
}

/** What the wasm backend actually runs with; call after useTfjsBackend('wasm'). */
export async function tfjsWasmFeatures(): Promise<TfjsWasmFeatures> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { simd, threads: getThreadsCount() };
}

/**
 * Tries the native TensorFlow backend. It is an optional dependency whose native library usually
 * cannot be installed, so any failure (missing package, missing .so, backend init) means false,
 * and tfjs' own console warnings during the attempt are muted so the bench output stays clean.
 */
export async function tryUseTfjsNode(): Promise<boolean> {
  // A variable specifier keeps tsc from requiring the optional package's types.
  const specifier: string = '@tensorflow/tfjs-node';
  const { warn, error } = console;
  console.warn = () => {};
  console.error = () => {};
  try {
    await import(specifier);
    const ok = await tf.setBackend('tensorflow');
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
