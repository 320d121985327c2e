/**
 * Orders ticket ids as S-360 does: numerically when both ids are numbers (so "9" comes before "10"),
 * otherwise by their characters. Numeric ids come before the others, so that the order stays
 * consistent (transitive) in a mixed list and a sort does not depend on the arrival order.
 */
export function compareTicketIds(a: string, b: string): number {
  const numeric = /^\d+$/;
  const an = numeric.test(a);
  const bn = numeric.test(b);
  if (an !== bn) return an ? -1 : 1;
  if (an) {
    const x = a.replace(/^0+(?=\d)/, '');
    const y = b.replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
