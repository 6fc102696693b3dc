import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCodes, RecurError } from '../errors.js';

/**
 * Claims a durability folder for this process with a `lock` file holding its pid, created
 * exclusively. Two daemons appending to one ingest log would interleave and corrupt it, which
 * happens easily: two pipeline files naming the same folder, or a restart while the old process
 * still drains. A lock left by a process that no longer runs (kill -9, power loss) is taken over.
 * A lock file naming this very process is stale too (in a container the daemon is often pid 1
 * every time); folders this process holds are tracked in memory instead. Returns the release.
 */
export function lockDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, 'lock');
  if (heldHere.has(path)) throw locked(dir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      heldHere.add(path);
      return () => {
        heldHere.delete(path);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) throw locked(dir, holder);
    rmSync(path, { force: true }); // stale: its process is gone
  }
  throw new RecurError(ErrorCodes.DIR_LOCKED, `durability folder ${dir}: another process keeps taking its lock`, { dir });
}

/** Lock files this process created and has not released. */
const heldHere = new Set<string>();

function locked(dir: string, pid: number): RecurError {
  return new RecurError(
    ErrorCodes.DIR_LOCKED,
    `durability folder ${dir} is in use by process ${pid}: expected one daemon per folder (give each pipeline its own durability.dir)`,
    { dir, pid },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user
  }
}
