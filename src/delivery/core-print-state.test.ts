import { corePrintedFact } from './core-print-state';

describe('delivery/core-print-state', () => {
  const at = new Date(Date.UTC(2027, 0, 1));
  const printedAt = new Date(Date.UTC(2026, 5, 1));
  const event = (printedPosCode: string | null, g = 0) => ({
    ticketId: 'T1',
    organizationCode: 'ORG1',
    reprintGeneration: g,
    printedPosCode,
    printedAt: printedPosCode ? printedAt : null,
  });

  it.each<[string, string | null, string, boolean]>([
    ["printed through the organization's TIXnGO point of sales: in TIXnGO", 'POS-TIXNGO', 'POS-TIXNGO', true],
    ['printed through another point of sales (a box office): not ours', 'BOX-1', 'POS-TIXNGO', false],
    ['the core says nothing of its print state', null, 'POS-TIXNGO', false],
    ['no TIXnGO point of sales configured: the print state cannot count', 'POS-TIXNGO', '', false],
  ])('%s', (_name, printed, posCode, counts) => {
    expect(corePrintedFact(event(printed), posCode, at) !== undefined).toBe(counts);
  });

  it('is the injection of that generation, from the core, at the print time', () => {
    expect(corePrintedFact(event('POS-TIXNGO', 2), 'POS-TIXNGO', at)).toMatchObject({
      _id: 'ORG1:T1|inject|2',
      ticketId: 'T1',
      organization: 'ORG1',
      kind: 'inject',
      generation: 2,
      source: 'core',
      at: printedAt,
    });
  });
});
