import { RejectedError, TransientError } from '../shared/errors';
import { badResponse, classifyStatus, classifyTransportFailure, parseHttpDate, parseRetryAfter, type StatusContext } from './classify';

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0); // Tue, 15 Jan 2030 12:00:00 GMT
const CAP = 60_000;

function ctx(over: Partial<StatusContext> = {}): StatusContext {
  return { operation: 'inject', ticketIds: ['T-1', 'T-2', 'T-3'], nowMs: NOW, maxRetryAfterMs: CAP, ...over };
}

describe('classify', () => {
  describe('classifyStatus', () => {
    it.each([200, 201, 204, 299])('returns null for %i (answered)', (status) => {
      expect(classifyStatus(status, ctx())).toBeNull();
    });

    it.each([401, 403])('turns %i into a transient TIXNGO_AUTH error (keep tickets until the key is fixed)', (status) => {
      const e = classifyStatus(status, ctx());
      expect(e).toBeInstanceOf(TransientError);
      expect(e).toMatchObject({ kind: 'transient', code: 'TIXNGO_AUTH' });
      expect(e!.message).toContain(`HTTP ${status}`);
    });

    it.each([408, 429, 500, 502, 503, 504, 599])('turns %i into a transient TIXNGO_HTTP_<status> error', (status) => {
      const e = classifyStatus(status, ctx());
      expect(e).toBeInstanceOf(TransientError);
      expect(e).toMatchObject({ kind: 'transient', code: `TIXNGO_HTTP_${status}`, retryAfterMs: undefined });
    });

    it.each([400, 404, 405, 409, 413, 422, 499])('turns %i into a RejectedError naming every ticket of the request', (status) => {
      const e = classifyStatus(status, ctx());
      expect(e).toBeInstanceOf(RejectedError);
      expect(e).toMatchObject({ kind: 'rejected', code: `TIXNGO_HTTP_${status}`, ticketIds: ['T-1', 'T-2', 'T-3'] });
      expect(e!.message).toContain('3 tickets');
    });

    it.each([100, 301, 302, 304, 600])('treats the unexpected status %i as transient (never drops tickets)', (status) => {
      expect(classifyStatus(status, ctx())).toMatchObject({ kind: 'transient', code: `TIXNGO_HTTP_${status}` });
    });

    it.each([
      [429, '7', 7_000],
      [503, '120', CAP],
      [503, 'Tue, 15 Jan 2030 12:00:30 GMT', 30_000],
      [429, 'soon', undefined],
      [401, '5', 5_000],
    ])('attaches Retry-After to a transient %i (%s → %s ms)', (status, retryAfter, expected) => {
      expect(classifyStatus(status, ctx({ retryAfter }))).toMatchObject({ retryAfterMs: expected });
    });

    it('names the request with no ticket count for the change feed', () => {
      const e = classifyStatus(400, ctx({ operation: 'changes', ticketIds: [] }));
      expect(e).toMatchObject({ kind: 'rejected', code: 'TIXNGO_HTTP_400', ticketIds: [] });
      expect(e!.message).toBe('tixngo changes failed: HTTP 400: request rejected as a whole');
    });

    it.each([
      ['INVALID_BODY', true],
      ['TOO_MANY_TICKETS', true],
      ['Ada Lovelace is not allowed', false],
      ['lower_case', false],
    ])('quotes the server code %j only when it looks like a code (%s)', (serverErrorCode, quoted) => {
      const e = classifyStatus(400, ctx({ serverErrorCode }));
      expect(e!.message.includes(serverErrorCode)).toBe(quoted);
    });
  });

  describe('classifyTransportFailure', () => {
    const base = { operation: 'delete' as const, ticketCount: 2, timedOut: false, aborted: false };

    it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH'])(
      'turns the network error %s into transient TIXNGO_NETWORK_<code>',
      (code) => {
        const e = classifyTransportFailure({ ...base, code });
        expect(e).toBeInstanceOf(TransientError);
        expect(e).toMatchObject({ code: `TIXNGO_NETWORK_${code}` });
        expect(e.message).toBe(`tixngo delete failed: network error ${code} (2 tickets)`);
      },
    );

    it.each([
      [{ timedOut: true, code: 'ERR_CANCELED' }, 'TIXNGO_TIMEOUT'],
      [{ timedOut: true, code: 'ECONNABORTED' }, 'TIXNGO_TIMEOUT'],
      [{ aborted: true, code: 'ERR_CANCELED' }, 'TIXNGO_ABORTED'],
      [{ code: 'ERR_BAD_RESPONSE' }, 'TIXNGO_NETWORK_ERR_BAD_RESPONSE'],
      [{ code: undefined }, 'TIXNGO_NETWORK_UNKNOWN'],
      [{ code: 'not a code; x-api-key=secret' }, 'TIXNGO_NETWORK_UNKNOWN'],
    ])('classifies %j as transient %s', (over, code) => {
      const e = classifyTransportFailure({ ...base, ...over });
      expect(e).toMatchObject({ kind: 'transient', code });
      expect(e.message).not.toContain('secret');
    });
  });

  describe('badResponse', () => {
    it('is a transient TIXNGO_BAD_RESPONSE error (TIXnGO may have applied the request)', () => {
      expect(badResponse('inject', 200, 'not JSON')).toMatchObject({
        kind: 'transient',
        code: 'TIXNGO_BAD_RESPONSE',
        message: 'tixngo inject answered HTTP 200 with an unexpected body: not JSON',
      });
    });
  });

  describe('parseRetryAfter', () => {
    it.each<[string, string | readonly string[] | null | undefined, number | undefined]>([
      ['delta-seconds', '120', 60_000],
      ['small delta-seconds', '7', 7_000],
      ['zero', '0', 0],
      ['surrounding spaces', ' 5 ', 5_000],
      ['the first of several values', ['3', '9'], 3_000],
      ['an IMF-fixdate in the future', 'Tue, 15 Jan 2030 12:00:30 GMT', 30_000],
      ['an IMF-fixdate in the past', 'Tue, 15 Jan 2030 11:00:00 GMT', 0],
      ['an RFC 850 date', 'Tuesday, 15-Jan-30 12:00:10 GMT', 10_000],
      ['an asctime date', 'Tue Jan 15 12:00:20 2030', 20_000],
      ['an asctime date with a padded day', 'Sat Feb  2 12:00:00 2030', CAP],
      ['a huge delta', '9'.repeat(400), CAP],
      ['undefined', undefined, undefined],
      ['null', null, undefined],
      ['empty', '', undefined],
      ['a negative number', '-5', undefined],
      ['a fraction', '1.5', undefined],
      ['words', 'soon', undefined],
      ['an ISO date', '2030-01-15T12:00:30Z', undefined],
      ['an impossible date', 'Thu, 31 Feb 2030 12:00:00 GMT', undefined],
      ['a date without GMT', 'Tue, 15 Jan 2030 12:00:30 CET', undefined],
    ])('handles %s', (_name, value, expected) => {
      expect(parseRetryAfter(value, NOW, CAP)).toBe(expected);
    });

    it.each([
      [0, 0],
      [1_000, 1_000],
    ])('caps the delay at capMs=%i', (cap, expected) => {
      expect(parseRetryAfter('30', NOW, cap)).toBe(expected);
    });
  });

  describe('parseHttpDate', () => {
    it('reads all three forms as the same UTC instant', () => {
      const at = Date.UTC(1994, 10, 6, 8, 49, 37);
      expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(at);
      expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(at);
      expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(at);
    });
  });
});
