/** Plain-text output of the support CLI (pure). */

/** A left-aligned table; numbers are right-aligned. */
export function renderTable(headers: readonly string[], rows: readonly (readonly (string | number | bigint)[])[]): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? c : formatCount(c))));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] !== 'string' || r[i] === '-'));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

export function formatCount(n: number | bigint): string {
  return n.toLocaleString('en-US');
}

/** `12 s`, `3 min 4 s`, `2 h 5 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One progress line: counts, share, rate and an estimate of the time left. */
export function formatProgress(p: { done: number; total: number; elapsedMs: number }): string {
  const share = p.total > 0 ? Math.min(100, (p.done / p.total) * 100) : 100;
  const rate = p.elapsedMs > 0 ? (p.done / p.elapsedMs) * 1000 : 0;
  const left = Math.max(0, p.total - p.done);
  const eta = rate > 0 ? formatMs((left / rate) * 1000) : '-';
  return `${formatCount(p.done)} / ${formatCount(p.total)} records (${share.toFixed(1)}%), ${formatCount(Math.round(rate))} records/s, ETA ${left === 0 ? '0 s' : eta}`;
}

/** `{ A: 2, B: 1 }` → `A 2, B 1` (largest first); `-` when empty. */
export function formatCounts(counts: Readonly<Record<string, number>> | readonly { readonly key: string; readonly count: number }[]): string {
  const entries = Array.isArray(counts)
    ? (counts as readonly { key: string; count: number }[]).map((c) => [c.key, c.count] as const)
    : Object.entries(counts as Record<string, number>);
  if (entries.length === 0) return '-';
  return [...entries]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${formatCount(n)}`)
    .join(', ');
}
