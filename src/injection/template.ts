import { ConfigError } from '../shared/errors';

/**
 * The customisation template ("TixnGO with ticket template"): a JSON object mapping payload paths
 * (`event.name`, `ticketDetails.main.0.key`) to expressions with `${Variable}` placeholders, e.g.
 * `{ "event.name": "${Performance_hostTeam} - ${Performance_opposingTeam}" }`. Set values overwrite
 * what the mapping produced. Expressions are plain substitution: nothing is evaluated.
 */
export interface TicketTemplate {
  readonly fields: readonly { readonly path: readonly (string | number)[]; readonly parts: readonly TemplatePart[] }[];
}

type TemplatePart = { readonly text: string } | { readonly variable: string };

/** Paths the injection always sets itself: a template touching one is refused at start-up. */
export const PROTECTED_PATHS = ['ticketId', 'event.id', 'event.startTime', 'event.startime', 'event.expirationDate'];

const PLACEHOLDER = /\$\{([^}]*)\}/g;
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
    const parts: TemplatePart[] = [];
    let last = 0;
    for (const m of expr.matchAll(PLACEHOLDER)) {
      if (m.index! > last) parts.push({ text: expr.slice(last, m.index) });
      const name = m[1]!.trim();
      if (name.includes(';')) problems.push(`"${path}": formatting options (${name}) are not supported; use a plain \${Variable}`);
      else if (!VARIABLE.test(name)) problems.push(`"${path}": "\${${name}}" is not a variable name`);
      parts.push({ variable: name });
      last = m.index! + m[0].length;
    }
    if (last < expr.length) parts.push({ text: expr.slice(last) });
    fields.push({ path: segments.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), parts });
  }
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ key: source, problem: p })));
  return { fields };
}

/** Applies the template to `payload` (mutated and returned); unknown variables render empty. */
export function applyTemplate<T extends Record<string, unknown>>(
  payload: T,
  template: TicketTemplate,
  variables: Readonly<Record<string, string>>,
): T {
  for (const field of template.fields) {
    // Own properties only: `${constructor}` must render empty, not Object.prototype.constructor.
    const value = field.parts.map((p) => ('text' in p ? p.text : Object.hasOwn(variables, p.variable) ? variables[p.variable] : '')).join('');
    setPath(payload, field.path, value);
  }
  return payload;
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
