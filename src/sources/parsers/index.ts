import type { DeviceDescription, ParseContext, PayloadFormat } from '../types.js';
import { parseCsv } from './csv.js';
import { parseJson } from './json.js';
import { parseLineProtocol } from './line-protocol.js';
import { parsePcm16 } from './pcm.js';
import type { Parsed } from './result.js';

export type Parser = (payload: Buffer | string, device: DeviceDescription, context: ParseContext) => Parsed;

/** Payload format -> parser (PCM without a sample clock: sources that want one call `parsePcm16` themselves). */
export const parsers: Readonly<Record<PayloadFormat, Parser>> = {
  json: parseJson,
  'line-protocol': parseLineProtocol,
  csv: parseCsv,
  pcm16le: (payload, device, context) => parsePcm16(payload, device, context),
};

export type { Parsed } from './result.js';
export { parseCsv, parseJson, parseLineProtocol, parsePcm16 };
export { pcm16ToMono, SampleClock } from './pcm.js';
