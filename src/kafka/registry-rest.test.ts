import { INPUT_SUBJECT_COMPATIBILITY, protectsReader } from './registry-rest';

describe('registry-rest', () => {
  describe('protectsReader', () => {
    // Protects: a producer schema the bridge's registered version cannot read is refused, also when a
    // field is first given a default and then dropped (only the transitive levels compare with every version).
    it.each([
      ['FULL_TRANSITIVE', true],
      ['FORWARD_TRANSITIVE', true],
      ['FULL', false],
      ['FORWARD', false],
      ['BACKWARD', false],
      ['BACKWARD_TRANSITIVE', false],
      ['NONE', false],
      ['full_transitive', false],
      ['', false],
    ])('%j → %s', (level, protects) => {
      expect(protectsReader(level)).toBe(protects);
    });

    it('holds for the level register-schemas sets', () => {
      expect(protectsReader(INPUT_SUBJECT_COMPATIBILITY)).toBe(true);
    });
  });
});
