import * as avro from 'avsc';
import { parseCalendarDate } from '../shared/dates';

/**
 * Avro logical types as the bridge sees them in JavaScript:
 * - `timestamp-millis` ⇄ `Date`;
 * - `date` ⇄ `'YYYY-MM-DD'` (no time zone games with birth dates);
 * - `decimal` (bytes) ⇄ a decimal string such as `'12.50'` (no floating point for prices).
 * Decoding a value outside these shapes throws, which the codec turns into a poison-message error.
 */
class TimestampMillis extends avro.types.LogicalType {
  override _fromValue(val: number): Date {
    return new Date(val);
  }
  override _toValue(val: unknown): number | undefined {
    if (val instanceof Date) return val.getTime();
    if (typeof val === 'number') return val;
    return undefined;
  }
  override _resolve(type: avro.Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return this._fromValue as never;
    return undefined;
  }
}

const DAY_MS = 86_400_000;

class DateOnly extends avro.types.LogicalType {
  override _fromValue(val: number): string {
    return new Date(val * DAY_MS).toISOString().slice(0, 10);
  }
  override _toValue(val: unknown): number | undefined {
    // A day that does not exist (2023-02-30) is not a value of this type, rather than 2 March.
    if (typeof val === 'string') return parseCalendarDate(val);
    if (val instanceof Date) return Math.floor(val.getTime() / DAY_MS);
    return undefined;
  }
  override _resolve(type: avro.Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'int', 'logical:date')) return this._fromValue as never;
    return undefined;
  }
}

class Decimal extends avro.types.LogicalType {
  private readonly scale: number;
  constructor(schema: avro.Schema, opts?: avro.ForSchemaOptions) {
    super(schema, opts);
    this.scale = (schema as { scale?: number }).scale ?? 0;
  }
  override _fromValue(buf: Buffer): string {
    let n = 0n;
    for (const byte of buf) n = (n << 8n) | BigInt(byte);
    if (buf.length > 0 && buf[0]! & 0x80) n -= 1n << BigInt(buf.length * 8);
    return formatScaled(n, this.scale);
  }
  override _toValue(val: unknown): Buffer | undefined {
    const n = parseScaled(val, this.scale);
    if (n === undefined) return undefined;
    const bytes: number[] = [];
    let v = n;
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v !== 0n && v !== -1n);
    // Keep the sign bit right (two's complement, big-endian).
    if (n >= 0n && bytes[0]! & 0x80) bytes.unshift(0);
    if (n < 0n && !(bytes[0]! & 0x80)) bytes.unshift(0xff);
    return Buffer.from(bytes);
  }
  override _resolve(type: avro.Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:decimal') && (type as unknown as Decimal).scale === this.scale) {
      return (v: unknown) => v;
    }
    return undefined;
  }
}

function formatScaled(n: bigint, scale: number): string {
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(scale + 1, '0');
  const out = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${out}` : out;
}

function parseScaled(val: unknown, scale: number): bigint | undefined {
  const s = typeof val === 'number' ? val.toFixed(scale) : val;
  if (typeof s !== 'string') return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) return undefined;
  const n = BigInt(`${m[2]}${frac}`);
  return m[1] === '-' ? -n : n;
}

export const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillis,
  date: DateOnly,
  decimal: Decimal,
} as unknown as Record<string, new (schema: avro.Schema, opts?: avro.ForSchemaOptions) => avro.types.LogicalType>;

export function avroType(schema: avro.Schema): avro.Type {
  return avro.Type.forSchema(schema, { logicalTypes: LOGICAL_TYPES });
}
