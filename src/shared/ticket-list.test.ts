import { parseTicketList, selectByShipmentMode } from './ticket-list';

describe('shared/ticket-list', () => {
  describe('selectByShipmentMode', () => {
    const s = (force: string[] = [], skip: string[] = []) => ({
      shipmentModes: ['MOBILE', 'WALLET'],
      force: parseTicketList(force),
      skip: parseTicketList(skip),
    });
    const t = (shipmentMode: string) => ({ ticketId: '42', taxNumber: '9001', shipmentMode });
    it.each([
      ['a configured shipment mode goes through', t('MOBILE'), s(), undefined],
      ['another shipment mode is filtered', t('PRINT_AT_HOME'), s(), 'FILTER_SHIPMENT_MODE'],
      ['a forced ticket (by id) bypasses the filter', t('PRINT_AT_HOME'), s(['id:42']), undefined],
      ['a forced ticket (by tax number) bypasses the filter', t('PRINT_AT_HOME'), s(['9001']), undefined],
      ['the skip list wins over the force list', t('MOBILE'), s(['id:42'], ['9001']), 'SKIP_LIST'],
      ['the skip list by id', t('MOBILE'), s([], ['id:42']), 'SKIP_LIST'],
      ['an id entry does not match a tax number', t('PRINT_AT_HOME'), s(['id:9001']), 'FILTER_SHIPMENT_MODE'],
    ])('%s', (_name, ticket, settings, expected) => {
      expect(selectByShipmentMode(ticket, settings)).toBe(expected);
    });
  });
});
