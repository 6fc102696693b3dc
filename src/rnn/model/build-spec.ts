import { ErrorCodes, RecurError } from '../../errors.js';
import {
  type Activation,
  type CellKind,
  type CellWeights,
  DENSE_ACTIVATIONS,
  type DenseWeights,
  GATES,
  type LayerSpec,
  layerOutputSize,
  type MergeMode,
  type ModelSpec,
  RECURRENT_ACTIVATIONS,
} from './spec.js';
import type { RawLayer } from './topology.js';
import type { NamedWeight } from './weights.js';

type Config = Record<string, unknown>;

/** Layers that change nothing at inference time. */
const PASS_THROUGH = new Set(['InputLayer', 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const CELLS: Record<string, CellKind> = {
  SimpleRNN: 'simple',
  GRU: 'gru',
  LSTM: 'lstm',
  SimpleRNNCell: 'simple',
  GRUCell: 'gru',
  LSTMCell: 'lstm',
};
const SUPPORTED = 'SimpleRNN, GRU, LSTM, RNN(SimpleRNNCell|GRUCell|LSTMCell), Dense, TimeDistributed(Dense), Bidirectional, InputLayer, Dropout';
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

function unsupported(layer: RawLayer, setting: string, message: string): never {
  throw new RecurError(ErrorCodes.MODEL_UNSUPPORTED, `layer '${layer.name}' (${layer.className}): ${setting}: ${message}`, {
    layer: layer.name,
    className: layer.className,
    setting,
  });
}

/** Accepts Keras' snake_case, tfjs' camelCase ('hardSigmoid') and Keras 3's object form. */
function activationOf(layer: RawLayer, config: Config, key: string, fallback: string, allowed: readonly Activation[]): Activation {
  let value = config[key] ?? fallback;
  if (typeof value === 'object' && value !== null && typeof (value as Config).config === 'string') value = (value as Config).config as string;
  const name = String(value) === 'hardSigmoid' ? 'hard_sigmoid' : String(value);
  if (!(allowed as readonly string[]).includes(name)) unsupported(layer, key, `'${String(value)}' is not supported; supported: ${allowed.join(', ')}`);
  return name as Activation;
}

/** Weights of one layer (or one direction of a Bidirectional), addressed by their last name segment. */
class LayerWeights {
  readonly #byRole = new Map<string, NamedWeight>();

  constructor(
    readonly owner: string,
    weights: readonly NamedWeight[],
  ) {
    for (const w of weights) this.#byRole.set(w.name.split('/').at(-1) ?? w.name, w);
  }

  /** @param shape expected shape; -1 accepts any size in that dimension */
  take(role: string, shape: readonly number[]): NamedWeight {
    const w = this.#byRole.get(role);
    if (!w) {
      throw new RecurError(ErrorCodes.MODEL_WEIGHTS, `weights of '${this.owner}' have no '${role}' (found: ${[...this.#byRole.keys()].join(', ') || 'none'})`);
    }
    if (w.shape.length !== shape.length || shape.some((d, i) => d !== -1 && d !== w.shape[i])) {
      throw new RecurError(
        ErrorCodes.MODEL_WEIGHTS,
        `weight '${w.name}' has shape [${w.shape.join(', ')}], expected [${shape.join(', ').replaceAll('-1', 'any')}]`,
      );
    }
    return w;
  }
}

function positiveInt(layer: RawLayer, config: Config, key: string): number {
  const v = Number(config[key]);
  if (!Number.isInteger(v) || v <= 0) unsupported(layer, key, `expected a positive integer, got ${String(config[key])}`);
  return v;
}

/** Reads a recurrent layer's (or an RNN wrapper's cell's) settings and weights. */
function buildCell(layer: RawLayer, kind: CellKind, config: Config, weights: LayerWeights): CellWeights {
  if (config.go_backwards === true) unsupported(layer, 'go_backwards', 'reads a sequence from its end, which a live stream does not have');
  if (config.return_state === true) unsupported(layer, 'return_state', 'extra state outputs are not supported in a chain model');
  const units = positiveInt(layer, config, 'units');
  const n = GATES[kind] * units;
  const kernel = weights.take('kernel', [-1, n]);
  const recurrent = weights.take('recurrent_kernel', [units, n]);
  // tfjs never writes reset_after (it only runs the original form); Keras always writes it.
  const resetAfter = kind === 'gru' && config.reset_after === true;
  let bias = new Float32Array(n);
  let recurrentBias = new Float32Array(n);
  if (config.use_bias !== false) {
    const b = weights.take('bias', resetAfter ? [2, n] : [n]);
    bias = b.values.slice(0, n);
    if (resetAfter) recurrentBias = b.values.slice(n, 2 * n);
  }
  return {
    cell: kind,
    inputSize: kernel.shape[0],
    units,
    activation: activationOf(layer, config, 'activation', 'tanh', RECURRENT_ACTIVATIONS),
    recurrentActivation: kind === 'simple' ? 'linear' : activationOf(layer, config, 'recurrent_activation', 'hard_sigmoid', RECURRENT_ACTIVATIONS),
    resetAfter,
    kernel: kernel.values,
    recurrentKernel: recurrent.values,
    bias,
    recurrentBias,
  };
}

/** A recurrent layer given as SimpleRNN/GRU/LSTM, or as RNN wrapping one of their cells. */
function cellOf(layer: RawLayer, className: string, config: Config, weights: LayerWeights): { cell: CellWeights; returnSequences: boolean } {
  const returnSequences = config.return_sequences === true;
  if (className !== 'RNN') return { cell: buildCell(layer, CELLS[className], config, weights), returnSequences };
  const inner = config.cell as { class_name?: string; config?: Config } | undefined;
  const kind = CELLS[inner?.class_name ?? ''];
  if (!kind || !inner?.config) unsupported(layer, 'cell', `'${String(inner?.class_name)}' is not supported; supported: SimpleRNNCell, GRUCell, LSTMCell`);
  const merged = { ...inner.config, go_backwards: config.go_backwards, return_state: config.return_state };
  return { cell: buildCell(layer, kind, merged, weights), returnSequences };
}

function denseOf(layer: RawLayer, config: Config, weights: LayerWeights): DenseWeights {
  const units = positiveInt(layer, config, 'units');
  const kernel = weights.take('kernel', [-1, units]);
  return {
    inputSize: kernel.shape[0],
    units,
    activation: activationOf(layer, config, 'activation', 'linear', DENSE_ACTIVATIONS),
    kernel: kernel.values,
    bias: config.use_bias === false ? new Float32Array(units) : weights.take('bias', [units]).values.slice(),
  };
}

function innerLayer(layer: RawLayer): { className: string; config: Config } {
  const inner = layer.config.layer as { class_name?: unknown; config?: unknown } | undefined;
  if (typeof inner?.class_name !== 'string' || typeof inner.config !== 'object' || inner.config === null) {
    unsupported(layer, 'layer', 'expected a wrapped layer with class_name and config');
  }
  return { className: inner.class_name, config: inner.config as Config };
}

function bidirectional(layer: RawLayer, weights: readonly NamedWeight[]): LayerSpec {
  const inner = innerLayer(layer);
  if (!(inner.className in CELLS) && inner.className !== 'RNN')
    unsupported(layer, 'layer', `'${inner.className}' cannot be wrapped; supported: SimpleRNN, GRU, LSTM`);
  const mergeMode = (layer.config.merge_mode ?? 'concat') as MergeMode;
  if (!MERGE_MODES.includes(mergeMode)) unsupported(layer, 'merge_mode', `'${String(mergeMode)}' is not supported; supported: ${MERGE_MODES.join(', ')}`);
  // Weight names are <layer>/forward_<inner>/.../kernel and <layer>/backward_<inner>/.../kernel.
  const direction = (word: string) =>
    new LayerWeights(
      `${layer.name} (${word})`,
      weights.filter((w) =>
        w.name
          .split('/')
          .slice(1, -1)
          .some((s) => s.startsWith(word)),
      ),
    );
  const forward = cellOf(layer, inner.className, inner.config, direction('forward'));
  const backward = cellOf(layer, inner.className, inner.config, direction('backward'));
  return { type: 'bidirectional', name: layer.name, returnSequences: forward.returnSequences, mergeMode, forward: forward.cell, backward: backward.cell };
}

function toLayerSpec(layer: RawLayer, weights: readonly NamedWeight[]): LayerSpec | undefined {
  const own = new LayerWeights(layer.name, weights);
  if (PASS_THROUGH.has(layer.className)) return undefined;
  if (layer.className in CELLS || layer.className === 'RNN') {
    const { cell, returnSequences } = cellOf(layer, layer.className, layer.config, own);
    return { type: 'recurrent', name: layer.name, returnSequences, weights: cell };
  }
  if (layer.className === 'Dense') return { type: 'dense', name: layer.name, weights: denseOf(layer, layer.config, own) };
  if (layer.className === 'TimeDistributed') {
    const inner = innerLayer(layer);
    if (inner.className !== 'Dense') unsupported(layer, 'layer', `TimeDistributed(${inner.className}) is not supported; supported: TimeDistributed(Dense)`);
    return { type: 'dense', name: layer.name, weights: denseOf(layer, inner.config, own) };
  }
  if (layer.className === 'Bidirectional') return bidirectional(layer, weights);
  throw new RecurError(ErrorCodes.MODEL_UNSUPPORTED, `layer '${layer.name}': class '${layer.className}' is not supported; supported: ${SUPPORTED}`, {
    layer: layer.name,
    className: layer.className,
  });
}

function layerInputSize(layer: LayerSpec): number {
  return layer.type === 'bidirectional' ? layer.forward.inputSize : layer.weights.inputSize;
}

/** Turns a chain of raw layers and their decoded weights into a checked ModelSpec. */
export function buildModelSpec(name: string, rawLayers: readonly RawLayer[], weights: readonly NamedWeight[], where: string): ModelSpec {
  const byLayer = new Map<string, NamedWeight[]>();
  for (const w of weights) {
    const owner = w.name.split('/')[0];
    byLayer.set(owner, [...(byLayer.get(owner) ?? []), w]);
  }
  const layers: LayerSpec[] = [];
  for (const raw of rawLayers) {
    const spec = toLayerSpec(raw, byLayer.get(raw.name) ?? []);
    if (spec) layers.push(spec);
  }
  if (layers.length === 0) throw new RecurError(ErrorCodes.MODEL_FORMAT, `${where}: the model has no layer with weights`);
  if (layers[0].type === 'dense') {
    throw new RecurError(ErrorCodes.MODEL_UNSUPPORTED, `${where}: the first layer '${layers[0].name}' is Dense; recur expects a recurrent layer first`);
  }
  let sequenceEnded = false;
  for (let i = 1; i < layers.length; i++) {
    const prev = layers[i - 1];
    const layer = layers[i];
    if (layerInputSize(layer) !== layerOutputSize(prev)) {
      throw new RecurError(
        ErrorCodes.MODEL_FORMAT,
        `${where}: layer '${layer.name}' takes ${layerInputSize(layer)} inputs but '${prev.name}' gives ${layerOutputSize(prev)}`,
      );
    }
    if (prev.type !== 'dense' && !prev.returnSequences) sequenceEnded = true;
    if (sequenceEnded && layer.type !== 'dense') {
      throw new RecurError(
        ErrorCodes.MODEL_UNSUPPORTED,
        `${where}: layer '${layer.name}' follows a layer with return_sequences=false; only Dense layers may follow it`,
      );
    }
  }
  return { name, inputSize: layerInputSize(layers[0]), outputSize: layerOutputSize(layers[layers.length - 1]), layers };
}
