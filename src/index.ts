export { type ErrorCode, ErrorCodes, isRecurError, RecurError } from './errors.js';
export type { Frame } from './frame.js';
export { type OnlineOptions, online } from './operators/online.js';
export { StreamingModel, type StreamingModelOptions } from './rnn/engine/streaming-model.js';
export type { KernelPreference } from './rnn/kernels/select.js';
export type { KernelName } from './rnn/kernels/types.js';
export { type LoadedModel, modelFromArtifacts } from './rnn/model/artifacts.js';
export { loadModelFiles, saveModelFiles } from './rnn/model/files.js';
export type { Activation, CellKind, CellWeights, DenseWeights, LayerSpec, ModelSpec } from './rnn/model/spec.js';
