// Compiles the AssemblyScript kernels to build/recur-kernels.wasm with the asc API from
// node_modules: SIMD, -O3, stub runtime, memory imported from env.memory (the Arena's).
// `--wat` also writes the text form next to it, for reading the generated loops.
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = 'src/rnn/kernels/wasm/assembly/index.ts';
const outFile = 'build/recur-kernels.wasm';

await mkdir(new URL('../build/', import.meta.url), { recursive: true });
const args = [
  entry,
  '--outFile',
  outFile,
  '-O3',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--importMemory',
  '--initialMemory',
  '1',
  '--noAssert',
  '--use',
  'abort=',
  '--baseDir',
  root,
];
if (process.argv.includes('--wat')) args.push('--textFile', 'build/recur-kernels.wat');
const { error, stderr } = await asc.main(args);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}
const { size } = await stat(new URL(`../${outFile}`, import.meta.url));
console.log(`build-wasm: ${outFile} (${size} bytes)`);
