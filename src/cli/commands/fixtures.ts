import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { plantSeries } from '../../train/synthetic.js';
import { demoModelDir } from '../paths.js';

/** Series the demo forecaster is trained on: two sensors, about three weeks of 15-minute samples. */
export function demoTrainingSeries(): Float32Array[] {
  return [plantSeries(2000, 11, { phase: 0 }), plantSeries(2000, 12, { phase: 30, amplitude: 0.8 })];
}

/**
 * Trains the demo's GRU forecaster on synthetic plant data unless it is already there.
 * @param log progress lines go here (stderr for the CLI)
 */
export async function ensureDemoModel(log: (line: string) => void, force = false): Promise<string> {
  if (!force && existsSync(join(demoModelDir, 'model.json'))) return demoModelDir;
  // Loaded lazily: tfjs is only needed to train, not to run a model.
  const { trainForecaster } = await import('../../train/forecaster.js');
  log(`training the demo GRU forecaster into ${demoModelDir} (synthetic plant data, once) ...`);
  const started = Date.now();
  const loss = await trainForecaster(demoTrainingSeries(), demoModelDir, {
    onEpoch: (epoch, value) => log(`  epoch ${epoch + 1}: loss ${value.toFixed(5)}`),
  });
  log(`trained in ${((Date.now() - started) / 1000).toFixed(1)} s, final loss ${loss.toFixed(5)}`);
  return demoModelDir;
}
