/** The chart's values as Helm computes them: values.yaml, then each -f file merged over it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CHART } from './tools';

export type Values = Record<string, any>;

const isMap = (v: unknown): v is Values => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Helm's coalescing: maps merge key by key, anything else (lists included) replaces. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(v) && isMap(out[k]) ? mergeValues(out[k], v) : v;
  return out;
}

export const defaultValues = (): Values => parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Values;

export function effectiveValues(valueFiles: readonly string[]): Values {
  return valueFiles.reduce((acc, f) => mergeValues(acc, (parse(readFileSync(f, 'utf8')) ?? {}) as Values), defaultValues());
}

export const ROLES = ['inject', 'cancel', 'control', 'holder-sync'] as const;
export const CONSUMER_ROLES = ['inject', 'cancel', 'control'] as const;
export type RoleName = (typeof ROLES)[number];
