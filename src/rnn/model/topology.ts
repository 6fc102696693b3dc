import { ErrorCodes, RecurError } from '../../errors.js';

/** One layer as model.json describes it. */
export interface RawLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, message: string, details: Json = {}): never {
  throw new RecurError(ErrorCodes.MODEL_FORMAT, `${where}: ${message}`, details);
}

function toRawLayer(layer: unknown, where: string, index: number): RawLayer {
  if (!isObject(layer) || typeof layer.class_name !== 'string' || !isObject(layer.config)) {
    fail(where, `layer #${index} should be an object with 'class_name' (string) and 'config' (object)`);
  }
  const name = typeof layer.config.name === 'string' ? layer.config.name : typeof layer.name === 'string' ? layer.name : `layer_${index}`;
  return { className: layer.class_name, name, config: layer.config };
}

/** Names of the layers feeding a functional layer, for Keras 2 and Keras 3 inbound_nodes styles. */
function inboundNames(layer: Json): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes)) return [];
  const names: string[] = [];
  for (const node of nodes) {
    if (Array.isArray(node)) {
      // Keras 2 / tfjs: [[name, nodeIndex, tensorIndex, kwargs], ...]
      for (const ref of node) if (Array.isArray(ref) && typeof ref[0] === 'string') names.push(ref[0]);
    } else if (isObject(node) && Array.isArray(node.args)) {
      // Keras 3: {args: [{class_name: '__keras_tensor__', config: {keras_history: [name, 0, 0]}}]}
      for (const arg of node.args) {
        const history = isObject(arg) && isObject(arg.config) ? arg.config.keras_history : undefined;
        if (Array.isArray(history) && typeof history[0] === 'string') names.push(history[0]);
      }
    }
  }
  return names;
}

/** Orders a functional model's layers from its input to its output; refuses anything but a chain. */
function chainOrder(config: Json, where: string): RawLayer[] {
  const layers = config.layers;
  if (!Array.isArray(layers)) fail(where, "functional model config has no 'layers' array");
  const byName = new Map<string, { raw: RawLayer; inbound: string[] }>();
  layers.forEach((layer, i) => {
    const raw = toRawLayer(layer, where, i);
    byName.set(raw.name, { raw, inbound: inboundNames(layer as Json) });
  });
  const next = new Map<string, string>();
  let input: string | undefined;
  for (const [name, { inbound }] of byName) {
    if (inbound.length === 0) {
      if (input !== undefined) fail(where, `model has several inputs ('${input}', '${name}'); recur runs chain-shaped models with one input`);
      input = name;
    } else if (inbound.length > 1) {
      throw new RecurError(
        ErrorCodes.MODEL_UNSUPPORTED,
        `${where}: layer '${name}' merges ${inbound.length} inputs (${inbound.join(', ')}); recur runs chain-shaped models only`,
      );
    } else {
      const from = inbound[0];
      if (next.has(from)) {
        throw new RecurError(
          ErrorCodes.MODEL_UNSUPPORTED,
          `${where}: layer '${from}' feeds both '${next.get(from)}' and '${name}'; recur runs chain-shaped models only`,
        );
      }
      next.set(from, name);
    }
  }
  if (input === undefined) fail(where, 'functional model has no input layer');
  const ordered: RawLayer[] = [];
  for (let name: string | undefined = input; name !== undefined; name = next.get(name)) {
    const entry = byName.get(name);
    if (!entry) fail(where, `layer '${name}' is referenced but not defined`);
    ordered.push(entry.raw);
  }
  if (ordered.length !== byName.size) fail(where, `only ${ordered.length} of ${byName.size} layers lie on the path from input to output`);
  return ordered;
}

/** Extracts the ordered layer list of a Sequential or chain-shaped functional model. */
export function readTopology(modelJson: unknown, where: string): { name: string; layers: RawLayer[] } {
  if (!isObject(modelJson)) fail(where, 'expected a JSON object with modelTopology and weightsManifest');
  const topology =
    isObject(modelJson.modelTopology) && isObject(modelJson.modelTopology.model_config) ? modelJson.modelTopology.model_config : modelJson.modelTopology;
  if (!isObject(topology)) fail(where, "missing 'modelTopology' object");
  const className = topology.class_name;
  const config = topology.config;
  const name = isObject(config) && typeof config.name === 'string' ? config.name : 'model';
  if (className === 'Sequential') {
    const layers = Array.isArray(config) ? config : isObject(config) ? config.layers : undefined;
    if (!Array.isArray(layers)) fail(where, "Sequential model has no 'layers' array");
    return { name, layers: layers.map((l, i) => toRawLayer(l, where, i)) };
  }
  if (className === 'Model' || className === 'Functional') {
    if (!isObject(config)) fail(where, 'functional model has no config object');
    return { name, layers: chainOrder(config, where) };
  }
  throw new RecurError(ErrorCodes.MODEL_UNSUPPORTED, `${where}: model class '${String(className)}' is not supported; expected Sequential, Model or Functional`);
}
