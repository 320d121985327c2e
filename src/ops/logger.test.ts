import { chooseLogFormat } from './logger';

describe('logger', () => {
  describe('chooseLogFormat', () => {
    it.each([
      [true, undefined, true, 'pretty'],
      [true, 'development', true, 'pretty'],
      [false, undefined, true, 'json'],
      [true, 'production', true, 'json'],
      [true, undefined, false, 'json'],
      [false, 'production', false, 'json'],
    ])('on a terminal: %s, NODE_ENV: %s, pino-pretty installed: %s → %s', (isTTY, nodeEnv, prettyInstalled, expected) => {
      expect(chooseLogFormat({ isTTY, nodeEnv, prettyInstalled })).toBe(expected);
    });
  });
});
