import { Binary } from 'mongodb';
import { encodeTraceDoc, toTraceDocs, traceDocRecords, TRACE_DOC_RECORDS, type TraceEntry } from './ticket-trace';

const at = new Date('2026-01-01T00:00:01Z');
const entry = (batchId: string, ticketId: string, offset: number, extra: Partial<TraceEntry> = {}): TraceEntry => ({
  ticketId,
  role: 'inject',
  mode: 'live',
  batchId,
  at,
  topic: 't',
  partition: 0,
  offset: String(offset),
  outcome: 'pushed',
  ...extra,
});

describe('store/ticket-trace', () => {
  describe('toTraceDocs', () => {
    it('keeps one document per batch, with the batch fields once and each record as it was', () => {
      const docs = toTraceDocs([
        entry('b-1', '1', 10, { requestId: 'r-1' }),
        entry('b-2', '9', 3, { outcome: 'skipped', reason: 'FILTER_TARIFF', at: new Date('2026-01-01T00:00:02Z') }),
        entry('b-1', '2', 11, { outcome: 'dead-lettered', reason: 'AVRO_BAD_FRAME' }),
      ]);
      expect(docs).toEqual([
        {
          _id: 'b-1:0',
          role: 'inject',
          mode: 'live',
          batchId: 'b-1',
          at,
          ticketIds: ['1', '2'],
          records: [
            { ticketId: '1', topic: 't', partition: 0, offset: '10', outcome: 'pushed', requestId: 'r-1' },
            { ticketId: '2', topic: 't', partition: 0, offset: '11', outcome: 'dead-lettered', reason: 'AVRO_BAD_FRAME' },
          ],
        },
        expect.objectContaining({ _id: 'b-2:0', batchId: 'b-2', at: new Date('2026-01-01T00:00:02Z'), ticketIds: ['9'] }),
      ]);
    });

    it('splits a large batch into documents of at most TRACE_DOC_RECORDS records, each listing its ticket ids once', () => {
      const entries = Array.from({ length: TRACE_DOC_RECORDS * 2 + 1 }, (_, i) => entry('big', String(i % (TRACE_DOC_RECORDS + 5)), i));
      const docs = toTraceDocs(entries);
      expect(docs.map((d) => [d._id, d.records.length])).toEqual([
        ['big:0', TRACE_DOC_RECORDS],
        ['big:1', TRACE_DOC_RECORDS],
        ['big:2', 1],
      ]);
      for (const d of docs) expect(new Set(d.ticketIds)).toEqual(new Set(d.records.map((r) => r.ticketId)));
      expect(docs[1]!.ticketIds).toHaveLength(new Set(docs[1]!.ticketIds).size);
    });

    it('has nothing to write for no entries', () => {
      expect(toTraceDocs([])).toEqual([]);
    });
  });

  describe('encodeTraceDoc and traceDocRecords', () => {
    const entries = [
      entry('b-1', '1', 10, { requestId: 'r-1', organization: 'ORG1' }),
      entry('b-1', '2', 11, { outcome: 'skipped', reason: 'ALREADY_INJECTED', simulated: true }),
      entry('b-1', '1', 12, { outcome: 'dead-lettered', reason: 'AVRO_BAD_FRAME' }),
    ];

    it('stores the records as one deflated Binary beside the ticket ids, and reads them back as they were', () => {
      const [doc] = toTraceDocs(entries);
      const { records, ...rest } = doc!;
      const stored = encodeTraceDoc(doc!);
      expect(stored).toEqual({ ...rest, records: expect.any(Binary), recordsEncoding: 'json-deflate-raw' });
      expect(traceDocRecords(stored)).toEqual(records);
    });

    it('reads the records of a document written before, an array', () => {
      const [doc] = toTraceDocs(entries);
      expect(traceDocRecords({ records: doc!.records })).toEqual(doc!.records);
    });

    it('refuses records in an encoding it does not know', () => {
      expect(() => traceDocRecords({ records: new Binary(Buffer.from('x')), recordsEncoding: 'zstd' as never })).toThrow(
        /trace records stored in an unknown form \(encoding zstd\)/,
      );
    });
  });
});
