import cliProgress from 'cli-progress';

export interface SoakProgress {
  phase: 'load' | 'fault' | 'draining';
  elapsedSeconds: number;
  published: number;
  written: number;
  rssMb?: number;
  logBytes?: number;
  faults: number;
}

/** A progress bar on a terminal, else a line a minute and one per phase change (CI logs); always on stderr. */
export function soakProgressView(log: (line: string) => void, totalSeconds: number) {
  const describe = (p: SoakProgress) => ({
    phase: p.phase,
    elapsed: Math.round(p.elapsedSeconds),
    published: p.published,
    written: p.written,
    rss: p.rssMb === undefined ? '?' : p.rssMb.toFixed(0),
    logMb: p.logBytes === undefined ? '?' : (p.logBytes / 1e6).toFixed(1),
    faults: p.faults,
  });
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'bench soak [{bar}] {phase} {elapsed}/{total} s, {published} published, {written} written, RSS {rss} MB, log {logMb} MB, {faults} faults',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: SoakProgress) {
        if (!started) bar.start(totalSeconds, 0, describe(p));
        started = true;
        bar.update(Math.min(totalSeconds, Math.round(p.elapsedSeconds)), describe(p));
      },
      done: () => bar.stop(),
    };
  }
  let lastPhase = '';
  let lastMinute = -1;
  return {
    update(p: SoakProgress) {
      const minute = Math.floor(p.elapsedSeconds / 60);
      if (p.phase === lastPhase && minute === lastMinute) return;
      [lastPhase, lastMinute] = [p.phase, minute];
      const d = describe(p);
      log(
        `bench soak: ${d.phase} ${d.elapsed}/${totalSeconds} s, ${d.published} published, ${d.written} written, RSS ${d.rss} MB, log ${d.logMb} MB, ${d.faults} faults`,
      );
    },
    done: () => {},
  };
}
