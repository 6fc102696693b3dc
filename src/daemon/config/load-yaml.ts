import { readFileSync } from 'node:fs';
import { type Document, isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, RecurError } from '../../errors.js';

/** `${NAME}` or `${NAME:-default}` inside a string value. */
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function where(file: string, doc: Document, counter: LineCounter, path: readonly PropertyKey[]): string {
  // Walk up the path until a node with a source range is found (a missing key has none).
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = counter.linePos(node.range[0]);
      return `${file}:${line}:${col}`;
    }
  }
  return file;
}

/** Where an unknown key is written: the key itself, not the mapping that holds it. */
function whereKey(file: string, doc: Document, counter: LineCounter, path: readonly PropertyKey[], key: string): string {
  const map = doc.getIn(path as (string | number)[], true);
  const pair = isMap(map) ? map.items.find((item) => isScalar(item.key) && String(item.key.value) === key) : undefined;
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  if (!range) return where(file, doc, counter, path);
  const { line, col } = counter.linePos(range[0]);
  return `${file}:${line}:${col}`;
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0
    ? '(top level)'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Replaces ${ENV} references in string scalars (after parsing, so a secret can hold any character). */
function substituteEnv(file: string, doc: Document, counter: LineCounter, env: NodeJS.ProcessEnv): void {
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(ENV_REFERENCE, (_match, name: string, fallback: string | undefined) => {
        const value = env[name] ?? fallback;
        if (value === undefined) {
          const { line, col } = counter.linePos(node.range?.[0] ?? 0);
          throw new RecurError(
            ErrorCodes.CONFIG,
            `${file}:${line}:${col}: environment variable ${name} is not set (write \${${name}:-default} for a default)`,
            { file, line },
          );
        }
        return value;
      });
    },
  });
}

/**
 * Reads a YAML file and validates it against a schema. Every error names the file, the line and
 * column, the key path, what was expected and what was found.
 */
export function loadYamlFile<T>(file: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecurError(ErrorCodes.CONFIG, `cannot read ${file}: ${(error as Error).message}`, { file }, { cause: error });
  }
  return parseYaml(text, file, schema, env);
}

export function parseYaml<T>(text: string, file: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const { line, col } = counter.linePos(error.pos[0]);
    throw new RecurError(ErrorCodes.CONFIG, `${file}:${line}:${col}: not valid YAML: ${error.message.split('\n')[0]}`, { file, line });
  }
  substituteEnv(file, doc, counter, env);
  const data = doc.toJS();
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const messages = result.error.issues.flatMap((issue) => {
    // One message per unknown key, at the key's own line and with its full path (a misspelling is found there).
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${whereKey(file, doc, counter, issue.path, key)}: ${keyPath([...issue.path, key])}: unknown key`);
    }
    const found = issue.path.reduce<unknown>((value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key], data);
    return [`${where(file, doc, counter, issue.path)}: ${keyPath(issue.path)}: ${issue.message}; found ${describe(found)}`];
  });
  throw new RecurError(ErrorCodes.CONFIG, messages.join('\n'), { file, issues: messages });
}
