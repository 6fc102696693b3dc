import { ErrorCodes } from '../../errors.js';
import type { Point } from '../../point.js';
import { SinkError } from '../types.js';

const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * A topic template compiled once: `{measurement}` and `{<tag key>}` are filled from each point.
 * A value that would change the topic's meaning (a wildcard, NUL, an empty level) is refused
 * with SINK_TEXT; a `/` in a value is kept and adds a level, as it would in a stream id.
 */
export function compileTopic(template: string, sink: string): (point: Point) => string {
  const parts = template.split(PLACEHOLDER);
  return (point) => {
    let topic = '';
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) {
        topic += parts[i];
        continue;
      }
      const key = parts[i];
      const value = key === 'measurement' ? point.measurement : point.tags[key];
      if (value === undefined) {
        throw new SinkError(
          ErrorCodes.SINK_TEXT,
          `point '${point.measurement}' at t=${point.t}: topic ${JSON.stringify(template)} expected tag '${key}', received tags [${Object.keys(point.tags).join(', ')}]`,
          { sink },
        );
      }
      if (value === '' || /[+#]/.test(value) || value.includes('\0')) {
        throw new SinkError(
          ErrorCodes.SINK_TEXT,
          `point '${point.measurement}' at t=${point.t}: {${key}} is ${JSON.stringify(value)}; expected non-empty text without +, # or NUL for a topic`,
          { sink },
        );
      }
      topic += value;
    }
    return topic;
  };
}
