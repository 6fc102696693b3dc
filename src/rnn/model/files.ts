import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ErrorCodes, RecurError } from '../../errors.js';
import { type LoadedModel, modelFromArtifacts, toArtifacts } from './artifacts.js';

/** The model.json a path names: the file itself, or model.json inside a folder. */
export function modelJsonPath(path: string): string {
  const full = resolve(path);
  return existsSync(full) && statSync(full).isDirectory() ? join(full, 'model.json') : full;
}

/** Loads a TensorFlow.js layers model (model.json + weight shards) from disk. */
export function loadModelFiles(path: string): LoadedModel {
  const file = modelJsonPath(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecurError(ErrorCodes.MODEL_FORMAT, `cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecurError(ErrorCodes.MODEL_FORMAT, `${file} is not valid JSON: ${(error as Error).message}`, { file }, { cause: error });
  }
  const folder = dirname(file);
  const readShard = (shard: string): Uint8Array => {
    const shardFile = join(folder, shard);
    try {
      return new Uint8Array(readFileSync(shardFile));
    } catch (error) {
      throw new RecurError(
        ErrorCodes.MODEL_WEIGHTS,
        `${file}: weight shard '${shard}' cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected it at ${shardFile}`,
        { file, shard: shardFile },
        { cause: error },
      );
    }
  };
  return modelFromArtifacts(json, readShard, file);
}

/** Writes model.json and one float32 weight shard into a folder (created if needed). */
export function saveModelFiles(model: LoadedModel, folder: string): string {
  mkdirSync(folder, { recursive: true });
  const { modelJson, shard } = toArtifacts(model);
  const paths = (modelJson.weightsManifest as { paths: string[] }[])[0].paths;
  writeFileSync(join(folder, paths[0]), shard);
  const file = join(folder, 'model.json');
  writeFileSync(file, `${JSON.stringify(modelJson)}\n`);
  return file;
}
