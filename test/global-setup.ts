import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The wasm kernel is a build product: make sure it exists before any test needs it. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(`${root}/build/recur-kernels.wasm`)) {
    execFileSync(process.execPath, [`${root}/scripts/build-wasm.mjs`], { stdio: 'inherit', cwd: root });
  }
}
