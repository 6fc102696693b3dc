export { ErrorCodes, RecurError, isRecurError, type ErrorCode } from './errors.js';
export type { Frame } from './frame.js';
export { StreamingModel, type StreamingModelOptions } from './rnn/engine/streaming-model.js';
export { online, type OnlineOptions } from './operators/online.js';
export type { KernelName } from './rnn/kernels/types.js';
export type { KernelPreference } from './rnn/kernels/select.js';
export type { ModelSpec, LayerSpec, CellWeights, DenseWeights, Activation, CellKind } from './rnn/model/spec.js';
export { loadModelFiles, saveModelFiles } from './rnn/model/files.js';
export { modelFromArtifacts, type LoadedModel } from './rnn/model/artifacts.js';
