import { TextDecoder } from 'node:util';
import { ImportFileError } from './import-file';

/** A line longer than this is not a ticket line: the file is something else (binary, one huge JSON). */
export const MAX_LINE_BYTES = 64 * 1024;

export interface NumberedLine {
  /** 1-based. */
  readonly line: number;
  /** Without its line break (`\n` or `\r\n`) and, on line 1, without a UTF-8 byte order mark. */
  readonly text: string;
}

/**
 * Splits a byte stream into lines as it arrives: memory holds one chunk of the stream and one line,
 * whatever the file's size, and the stream is read only as fast as the consumer takes lines.
 *
 * The file must be UTF-8 (a BOM is allowed). Throws `ImportFileError` naming the line for a UTF-16 or
 * UTF-32 file (a BOM, or NUL bytes), bytes that are not UTF-8 (a Latin-1 / Windows-1252 export: an
 * `é` would otherwise become U+FFFD silently), and a line longer than `maxLineBytes`. Lines are split
 * on the `\n` byte, which UTF-8 never uses inside a character, and decoded whole.
 */
export async function* readLines(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  maxLineBytes = MAX_LINE_BYTES,
): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      const bytes = pending.length === 0 ? buf.subarray(start, nl) : Buffer.concat([...pending, buf.subarray(start, nl)]);
      pending = [];
      pendingBytes = 0;
      yield decodeLine(decoder, bytes, ++line, maxLineBytes);
      start = nl + 1;
    }
    if (start < buf.length) {
      pending.push(buf.subarray(start));
      pendingBytes += buf.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong(line + 1, maxLineBytes);
    }
  }
  if (pendingBytes > 0) yield decodeLine(decoder, Buffer.concat(pending), ++line, maxLineBytes);
}

function decodeLine(decoder: TextDecoder, raw: Buffer, line: number, maxLineBytes: number): NumberedLine {
  let bytes = raw;
  if (line === 1) {
    if (bytes[0] === 0xff && bytes[1] === 0xfe)
      throw new ImportFileError(line, 'the file is UTF-16 or UTF-32 (little-endian byte order mark): export it as UTF-8');
    if (bytes[0] === 0xfe && bytes[1] === 0xff) throw new ImportFileError(line, 'the file is UTF-16 (big-endian byte order mark): export it as UTF-8');
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
  if (bytes.length > maxLineBytes) throw tooLong(line, maxLineBytes);
  if (bytes.includes(0x00)) throw new ImportFileError(line, 'holds NUL bytes: the file is UTF-16 or binary, not UTF-8 text');
  try {
    return { line, text: decoder.decode(bytes) };
  } catch {
    throw new ImportFileError(line, 'is not valid UTF-8 (a Latin-1 or Windows-1252 export?): export the file as UTF-8');
  }
}

function tooLong(line: number, maxLineBytes: number): ImportFileError {
  return new ImportFileError(line, `is longer than ${Math.round(maxLineBytes / 1024)} KiB: not a line of tickets`);
}
