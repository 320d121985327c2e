import { HeadCache } from './head-cache';

const head = (version: number, entries = 1) => ({
  version,
  history: Array.from({ length: entries }, (_, i) => ({ status: 'ACTIVE', version: i, changedAt: new Date(0) })),
});

describe('HeadCache', () => {
  it('returns cached heads and names the ids it does not hold', () => {
    const c = new HeadCache(100);
    c.set('1', head(3));
    const { found, missing } = c.lookup(['1', '2']);
    expect(found.get('1')?.version).toBe(3);
    expect(missing).toEqual(['2']);
  });

  it('keeps the newest write of a ticket', () => {
    const c = new HeadCache(100);
    c.set('1', head(3));
    c.set('1', head(4, 2));
    expect(c.lookup(['1']).found.get('1')?.version).toBe(4);
    expect(c.size).toBe(1);
  });

  it('drops the least recently used heads once it holds more history entries than its bound', () => {
    const c = new HeadCache(4);
    c.set('a', head(1, 2));
    c.set('b', head(1, 2));
    c.lookup(['a']); // a is now the most recently used
    c.set('c', head(1, 1));
    const { found, missing } = c.lookup(['a', 'b', 'c']);
    expect([...found.keys()]).toEqual(['a', 'c']);
    expect(missing).toEqual(['b']);
  });

  it('forgets everything on clear', () => {
    const c = new HeadCache(10);
    c.set('a', head(1));
    c.clear();
    expect(c.lookup(['a']).missing).toEqual(['a']);
    c.set('b', head(1, 10));
    expect(c.size).toBe(1);
  });
});
