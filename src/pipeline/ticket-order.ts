/**
 * Orders ticket ids as S-360 does: numerically when both ids are numbers (so "9" comes before "10"),
 * otherwise by their characters.
 */
export function compareTicketIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
