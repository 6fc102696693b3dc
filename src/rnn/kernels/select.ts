import { ErrorCodes, RecurError } from '../../errors.js';
import type { Arena } from './arena.js';
import { JsKernel } from './js/js-kernel.js';
import type { Kernel, KernelName } from './types.js';
import { createWasmKernel, wasmKernelAvailable } from './wasm/wasm-kernel.js';

export type KernelPreference = KernelName | 'auto';

/** Reads RECUR_KERNEL (js | wasm | auto); anything else is a configuration error, not a silent default. */
export function kernelPreferenceFromEnv(env: NodeJS.ProcessEnv = process.env): KernelPreference {
  const value = env.RECUR_KERNEL?.trim();
  if (value === undefined || value === '') return 'auto';
  if (value === 'js' || value === 'wasm' || value === 'auto') return value;
  throw new RecurError(ErrorCodes.KERNEL, `RECUR_KERNEL must be 'js', 'wasm' or 'auto', got '${value}'`);
}

/** The fastest kernel that loads here (wasm SIMD, else the JS reference), unless one is forced. */
export function createKernel(arena: Arena, preference: KernelPreference = kernelPreferenceFromEnv()): Kernel {
  if (preference === 'js') return new JsKernel(arena);
  if (preference === 'wasm' || wasmKernelAvailable()) return createWasmKernel(arena);
  return new JsKernel(arena);
}
