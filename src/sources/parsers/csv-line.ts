import type { RecurError } from '../../errors.js';
import { parseError, quote } from './result.js';

/**
 * Splits one CSV line into cells (RFC 4180 quoting: `"a ""b"", c"`). A line holds one record:
 * a quoted cell cannot span lines here, so an open quote at the end is an error.
 */
export function splitCsvLine(line: string, delimiter = ','): string[] | RecurError {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return parseError('RECUR_E_PARSE_CSV', `expected a closing quote, received end of line in ${quote(line)}`);
        cell += line.slice(i, close);
        i = close + 1;
        if (line[i] !== '"') break;
        cell += '"';
        i++;
      }
      cells.push(cell);
      if (i === line.length) return cells;
      if (!line.startsWith(delimiter, i)) {
        return parseError('RECUR_E_PARSE_CSV', `expected '${delimiter}' after a quoted cell at column ${i + 1}, received ${quote(line.slice(i, i + 10))}`);
      }
      i += delimiter.length;
      continue;
    }
    const end = line.indexOf(delimiter, i);
    const cell = end < 0 ? line.slice(i) : line.slice(i, end);
    if (cell.includes('"')) return parseError('RECUR_E_PARSE_CSV', `expected a quote only around a whole cell, received ${quote(cell)}`);
    cells.push(cell);
    if (end < 0) return cells;
    i = end + delimiter.length;
  }
}
