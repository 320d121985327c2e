import { ConfigError, PoisonMessageError } from '../shared/errors';
import { compileFormat, renderFormatted, toLocale, type ValueFormat } from './template-format';

/**
 * The customisation template ("TixnGO with ticket template"): a JSON object mapping payload paths
 * (`event.name`, `ticketDetails.main.0.key`) to expressions with `${Variable}` placeholders, e.g.
 * `{ "event.name": "${Performance_hostTeam} - ${Performance_opposingTeam}" }`. Set values overwrite
 * what the mapping produced. Nothing is evaluated beyond the placeholders and their options.
 *
 * Placeholder options are those of S-360's ticket template editor, separated by `;`:
 * `${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}`,
 * `${Amount_unitAmount;format=#,##0.00}`, `${Voucher_code;min=4;max=8;upperCase}` (template-format.ts
 * for the patterns). Every option is checked at start-up; an unknown one refuses the template.
 */
export interface TicketTemplate {
  readonly fields: readonly { readonly path: readonly (string | number)[]; readonly parts: readonly TemplatePart[] }[];
}

type TemplatePart = { readonly text: string } | Placeholder;

/** One `${…}`: the variable and the options given (absent ones are not set). */
interface Placeholder {
  readonly variable: string;
  /** The placeholder as written, for error messages (a template is configuration, not personal data). */
  readonly source: string;
  readonly format?: ValueFormat;
  /** A literal language, or the variable that holds it (`language=${Institution_language}`). */
  readonly language?: { readonly locale: string } | { readonly variable: string };
  /** Keep characters from index `min` up to, not including, index `max` (Java's `substring`), clamped to the value. */
  readonly min?: number;
  readonly max?: number;
  readonly letterCase?: 'upper' | 'lower';
}

/** What rendering needs besides the variables. */
export interface TemplateContext {
  /** The venue's IANA zone: dates are rendered in it. */
  readonly timeZone: string;
}

/** Paths the injection always sets itself: a template touching one is refused at start-up. */
export const PROTECTED_PATHS = ['ticketId', 'event.id', 'event.startTime', 'event.startime', 'event.expirationDate'];

/** The placeholder options, as S-360's editor names them. */
export const TEMPLATE_OPTIONS = ['format', 'language', 'min', 'max', 'upperCase', 'lowerCase'] as const;

/** Language of formatted dates and numbers when a placeholder names none, or names one that is empty or unknown. */
export const DEFAULT_LANGUAGE = 'en';

const VARIABLE = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Parses and checks a template; every problem is reported at once, naming the template setting. */
export function parseTemplate(text: string, source = 'INJECT_TEMPLATE_FILE'): TicketTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError([{ key: source, problem: 'the ticket template is not valid JSON' }]);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ key: source, problem: 'the ticket template must be a JSON object of "path": "expression"' }]);
  }
  const problems: string[] = [];
  const fields: TicketTemplate['fields'][number][] = [];
  for (const [path, expr] of Object.entries(raw as Record<string, unknown>)) {
    const segments = path.split('.');
    if (segments.some((s) => s === '' || s === '__proto__' || s === 'constructor' || s === 'prototype')) {
      problems.push(`"${path}" is not a valid payload path`);
      continue;
    }
    // A parent of a protected path (`event`) would replace it wholesale: refused too.
    const prefix = PROTECTED_PATHS.find((p) => path === p || path.startsWith(`${p}.`) || p.startsWith(`${path}.`));
    if (prefix) {
      problems.push(`"${path}" is protected: the injection always sets ${prefix} itself`);
      continue;
    }
    if (typeof expr !== 'string') {
      problems.push(`"${path}" must map to a string expression`);
      continue;
    }
    const parts = parseExpression(expr, (problem) => problems.push(`"${path}": ${problem}`));
    fields.push({ path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), parts });
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ key: source, problem: p })));
  return { fields };
}

/** Text and placeholders of one expression. A placeholder may hold one nested `${Variable}` (a language). */
function parseExpression(expr: string, report: (problem: string) => void): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (let start = expr.indexOf('${'); start !== -1; start = expr.indexOf('${', last)) {
    if (start > last) parts.push({ text: expr.slice(last, start) });
    let depth = 1;
    let i = start + 2;
    for (; i < expr.length && depth > 0; i++) {
      if (expr.startsWith('${', i)) {
        depth++;
        i++;
      } else if (expr[i] === '}') {
        depth--;
      }
    }
    if (depth > 0) {
      report(`"${expr.slice(start, start + 40)}" has no closing "}"`);
      return parts;
    }
    const placeholder = parsePlaceholder(expr.slice(start, i), report);
    if (placeholder) parts.push(placeholder);
    last = i;
  }
  if (last < expr.length) parts.push({ text: expr.slice(last) });
  return parts;
}

function parsePlaceholder(source: string, report: (problem: string) => void): Placeholder | undefined {
  const [name = '', ...options] = source
    .slice(2, -1)
    .split(';')
    .map((o) => o.trim());
  if (!VARIABLE.test(name)) {
    report(`"\${${name}}" is not a variable name`);
    return undefined;
  }
  const p: { -readonly [K in keyof Placeholder]: Placeholder[K] } = { variable: name, source };
  const seen = new Set<string>();
  const bad = (problem: string) => {
    report(`${source}: ${problem}`);
    return undefined;
  };
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = eq === -1 ? option : option.slice(0, eq).trim();
    const value = eq === -1 ? undefined : option.slice(eq + 1).trim();
    if (!(TEMPLATE_OPTIONS as readonly string[]).includes(key)) {
      return bad(`unknown option "${key.slice(0, 40)}" (the options are ${TEMPLATE_OPTIONS.map((o) => (o.endsWith('Case') ? o : `${o}=`)).join(', ')})`);
    }
    if (seen.has(key) || (key.endsWith('Case') && p.letterCase)) return bad(`${key.endsWith('Case') ? 'upperCase/lowerCase' : key} is given twice`);
    seen.add(key);
    if (key.endsWith('Case')) {
      if (value !== undefined) return bad(`${key} takes no value`);
      p.letterCase = key === 'upperCase' ? 'upper' : 'lower';
      continue;
    }
    if (value === undefined) return bad(`${key} needs a value (${key}=…)`);
    if (key !== 'language' && value.includes('${')) return bad(`${key}= cannot hold a placeholder (only language=\${Variable} can)`);
    if (key === 'format') {
      const compiled = compileFormat(value);
      if (!compiled.ok) return bad(compiled.problem);
      p.format = compiled.format;
    } else if (key === 'language') {
      const nested = /^\$\{\s*([^}]*?)\s*\}$/.exec(value);
      if (nested) {
        if (!VARIABLE.test(nested[1]!)) return bad(`language=\${${nested[1]}} is not a variable name`);
        p.language = { variable: nested[1]! };
      } else {
        const locale = toLocale(value);
        if (!locale) return bad(`language=${value.slice(0, 40)} is not a language code this runtime knows (e.g. de, fr-CH)`);
        p.language = { locale };
      }
    } else {
      if (!/^\d{1,6}$/.test(value)) return bad(`${key}=${value.slice(0, 40)} is not a character index (0, 1, 2, …)`);
      p[key as 'min' | 'max'] = Number(value);
    }
  }
  if (p.min !== undefined && p.max !== undefined && p.min > p.max) return bad(`min=${p.min} is after max=${p.max}`);
  return p;
}

/**
 * Applies the template to `payload` (mutated and returned); unknown variables render empty.
 * Throws `PoisonMessageError` (`TEMPLATE_VALUE_INVALID`) when a variable with `format=` holds no date
 * or number: the ticket cannot be injected as configured. The message names the payload path and the
 * placeholder, never the value.
 */
export function applyTemplate<T extends Record<string, unknown>>(
  payload: T,
  template: TicketTemplate,
  variables: Readonly<Record<string, string>>,
  context: TemplateContext,
): T {
  // Own properties only: `${constructor}` must render empty, not Object.prototype.constructor.
  const lookUp = (name: string) => (Object.hasOwn(variables, name) ? variables[name]! : '');
  for (const field of template.fields) {
    const value = field.parts.map((p) => ('text' in p ? p.text : render(p, lookUp, context, field.path))).join('');
    setPath(payload, field.path, value);
  }
  return payload;
}

function render(p: Placeholder, lookUp: (name: string) => string, context: TemplateContext, path: readonly (string | number)[]): string {
  let value = lookUp(p.variable);
  if (p.format && value !== '') {
    const locale =
      p.language === undefined ? DEFAULT_LANGUAGE : 'locale' in p.language ? p.language.locale : (toLocale(lookUp(p.language.variable)) ?? DEFAULT_LANGUAGE);
    const rendered = renderFormatted(value, p.format, locale, context.timeZone);
    if (!rendered.ok) throw new PoisonMessageError('TEMPLATE_VALUE_INVALID', `template ${path.join('.')}: ${p.source}: the value ${rendered.problem}`);
    value = rendered.text;
  }
  if (p.min !== undefined || p.max !== undefined)
    value = Array.from(value)
      .slice(p.min ?? 0, p.max)
      .join('');
  if (p.letterCase === 'upper') value = value.toUpperCase();
  if (p.letterCase === 'lower') value = value.toLowerCase();
  return value;
}

function setPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let node: Record<string | number, unknown> = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    let child = node[key];
    if (child === null || typeof child !== 'object') {
      child = nextIsIndex ? [] : {};
      node[key] = child;
    }
    node = child as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
