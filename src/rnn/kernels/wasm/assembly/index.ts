// Entry point of recur-kernels.wasm: raw-memory kernels over the Arena's imported memory.
// No managed objects (runtime stub); everything the module keeps lives in wasm globals.
export { stepCell } from './cells';
export { dense } from './dense';
