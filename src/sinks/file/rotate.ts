import { rename, rm } from 'node:fs/promises';

/** Shifts `path.1 .. path.(keep-1)` up by one (dropping `path.keep`) and moves `path` to `path.1`. */
export async function rotateFiles(path: string, keep: number): Promise<void> {
  await rm(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) await renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
  await renameIfExists(path, `${path}.1`);
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
