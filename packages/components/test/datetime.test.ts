import { type ActionContext, componentManifest, invokeAction } from '@weft/sdk';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { datetimeComponent, formatMoment, parseDateTime } from '../src/components/datetime.js';
import { datetime } from './fixtures/catalog/datetime.js';
import { itDescribesEveryActionAndInput } from './support/component-checks.js';

async function run(
  action: string,
  params: Record<string, unknown>,
  context: Partial<ActionContext> = {},
): Promise<unknown> {
  const { result } = await invokeAction(datetimeComponent, action, params, context);
  return result?.data;
}

const fixedClock = { clock: { now: () => Date.parse('2024-02-29T23:59:30.250Z') } } as Partial<ActionContext>;

describe('datetime component', () => {
  it('has exactly the manifest of the built-in catalog', () => {
    expect(componentManifest(datetimeComponent)).toEqual({ ...datetime, connections: {}, dataSources: {} });
  });

  itDescribesEveryActionAndInput(datetimeComponent);

  it('gets the current date/time from the clock, as ISO or epoch seconds', async () => {
    expect(await run('getCurrentDateTime', {}, fixedClock)).toBe('2024-02-29T23:59:30.250Z');
    expect(await run('getCurrentDateTime', { epochInSecondsInput: true }, fixedClock)).toBe(1709251170);
    const before = Date.now();
    const now = Date.parse((await run('getCurrentDateTime', { epochInSecondsInput: 'false' })) as string);
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it.each<[Record<string, unknown>, string]>([
    [{ dateTimeInput: '2024-02-28T12:00:00Z', daysInput: '1' }, '2024-02-29T12:00:00.000Z'],
    [
      { dateTimeInput: '2024-02-28T12:00:00Z', daysInput: '2', hoursInput: '-12' },
      '2024-03-01T00:00:00.000Z',
    ],
    [
      { dateTimeInput: '2024-01-01T00:00:00Z', secondsInput: '30', minutesInput: '90', hoursInput: '1' },
      '2024-01-01T02:30:30.000Z',
    ],
    [{ dateTimeInput: '2024-01-01T00:00:00+02:00', minutesInput: '-1' }, '2023-12-31T21:59:00.000Z'],
    [{ dateTimeInput: '2024-01-01T00:00:00', secondsInput: '1.5' }, '2024-01-01T00:00:01.500Z'],
    [{ dateTimeInput: 1704067200000, daysInput: '', hoursInput: '' }, '2024-01-01T00:00:00.000Z'],
    [{ dateTimeInput: new Date('2024-01-01T00:00:00Z'), daysInput: 365 }, '2024-12-31T00:00:00.000Z'],
  ])('adjustDateTime(%j) = %s', async (params, expected) => {
    expect(await run('adjustDateTime', params)).toBe(expected);
  });

  it('converts to and from ISO strings, local ISO strings and epochs', async () => {
    expect(await run('convertToIsoString', { dateTimeInput: '2024-07-04T09:30:00+02:00' })).toBe(
      '2024-07-04T07:30:00.000Z',
    );
    expect(
      await run('convertToIsoString', {
        dateTimeInput: '2024-07-04T09:30:00',
        timeZoneInput: 'America/Chicago',
      }),
    ).toBe('2024-07-04T14:30:00.000Z');
    expect(await run('convertToIsoString', { dateTimeInput: 'Thu, 04 Jul 2024 09:30:00 GMT' })).toBe(
      '2024-07-04T09:30:00.000Z',
    );
    expect(await run('convertToIsoString', { dateTimeInput: '2024-07-04 09:30:00' })).toBe(
      '2024-07-04T09:30:00.000Z',
    );
    expect(
      await run('convertToLocalIsoString', {
        dateTimeInput: '2024-01-15T12:00:00Z',
        timeZoneInput: 'America/New_York',
      }),
    ).toBe('2024-01-15T07:00:00.000-05:00');
    expect(
      await run('convertToLocalIsoString', {
        dateTimeInput: '2024-07-15T12:00:00Z',
        timeZoneInput: 'Asia/Kolkata',
      }),
    ).toBe('2024-07-15T17:30:00.000+05:30');
    expect(await run('convertToLocalIsoString', { dateTimeInput: '2024-07-15T12:00:00Z' })).toBe(
      '2024-07-15T12:00:00.000Z',
    );
    expect(await run('convertToEpoch', { dateTimeInput: '2024-01-01T00:00:00.999Z' })).toBe(1704067200999);
    expect(
      await run('convertToEpoch', { dateTimeInput: '2024-01-01T00:00:00.999Z', epochInSecondsInput: true }),
    ).toBe(1704067200);
    expect(await run('convertFromEpoch', { epochTimestampInput: '1704067200000' })).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    expect(
      await run('convertFromEpoch', {
        epochTimestampInput: '1704067200',
        epochTimestampInSecondsInput: true,
      }),
    ).toBe('2024-01-01T00:00:00.000Z');
    expect(
      await run('convertFromEpoch', {
        epochTimestampInput: 1704067200,
        epochTimestampInSecondsInput: 'true',
      }),
    ).toBe('2024-01-01T00:00:00.000Z');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ dateTimeInput: '2024-03-05T14:07:09.045Z' }, '2024-03-05T14:07:09.045+00:00'],
    [
      { dateTimeInput: '2024-03-05T14:07:09.045Z', timeZoneInput: 'America/Chicago' },
      '2024-03-05T08:07:09.045-06:00',
    ],
    [{ dateTimeInput: '2024-03-05T14:07:09Z', formatInput: 'MM/DD/YYYY' }, '03/05/2024'],
    [
      { dateTimeInput: '2024-03-05T14:07:09Z', formatInput: 'dddd, MMMM Do YYYY, h:mm:ss a' },
      'Tuesday, March 5th 2024, 2:07:09 pm',
    ],
    [
      { dateTimeInput: '2024-03-01T00:00:00Z', formatInput: 'ddd MMM D YY [at] HH:mm A ZZ' },
      'Fri Mar 1 24 at 00:00 AM +0000',
    ],
    [{ dateTimeInput: '2024-03-22T10:00:00Z', formatInput: 'Do Mo Q' }, '22nd 3rd 1'],
    [{ dateTimeInput: '2024-03-11T10:00:00Z', formatInput: 'Do' }, '11th'],
    [{ dateTimeInput: '2024-01-01T00:00:01Z', formatInput: 'X x' }, '1704067201 1704067201000'],
    [{ dateTimeInput: '2024-01-01T00:00:00Z', formatInput: '' }, '2024-01-01T00:00:00.000+00:00'],
  ])('formatDateTime(%j) = %s', async (params, expected) => {
    expect(await run('formatDateTime', params)).toBe(expected);
  });

  it('formats moment tokens with luxon', () => {
    const dt = DateTime.fromISO('2024-12-31T23:05:06.007', { zone: 'UTC' });
    expect(formatMoment(dt, 'YYYY-MM-DD HH:mm:ss.SSS')).toBe('2024-12-31 23:05:06.007');
    expect(formatMoment(dt, 'hh A [YYYY]')).toBe('11 PM YYYY');
    expect(formatMoment(dt, 'DDDD E d')).toBe('366 2 2');
  });

  it('parses date/time inputs of every accepted form', () => {
    expect(parseDateTime('1704067200000', 'x').toUTC().toISO()).toBe('2024-01-01T00:00:00.000Z');
    expect(parseDateTime('2024-01-01', 'x').toUTC().toISO()).toBe('2024-01-01T00:00:00.000Z');
    expect(parseDateTime('Mon, 01 Jan 2024 00:00:00 +0000', 'x').toUTC().toISO()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    expect(parseDateTime('January 1, 2024 00:00:00 UTC', 'x').toUTC().toISO()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'adjustDateTime',
      { dateTimeInput: 'yesterday', daysInput: '1' },
      "dateTimeInput must be a date/time such as 2024-01-31T12:00:00Z or epoch milliseconds; 'yesterday' is not",
    ],
    ['adjustDateTime', { daysInput: '1' }, 'dateTimeInput must be a date/time such as 2024-01-31T12:00:00Z'],
    [
      'adjustDateTime',
      { dateTimeInput: '2024-01-01T00:00:00Z', daysInput: 'two' },
      "daysInput must be a number (such as 42 or -3.5); 'two' is not",
    ],
    [
      'convertToLocalIsoString',
      { dateTimeInput: '2024-01-01T00:00:00Z', timeZoneInput: 'Mars/Olympus' },
      "timeZoneInput: 'Mars/Olympus' is not a known time zone",
    ],
    [
      'formatDateTime',
      { dateTimeInput: '2024-01-01T00:00:00Z', timeZoneInput: 'Nowhere' },
      "timeZoneInput: 'Nowhere' is not a known time zone",
    ],
    [
      'convertToEpoch',
      { dateTimeInput: '2024-01-01', epochInSecondsInput: 'yes' },
      "epochInSecondsInput must be true or false; 'yes' is not",
    ],
    [
      'convertFromEpoch',
      { epochTimestampInput: 'soon' },
      "epochTimestampInput must be a number (such as 42 or -3.5); 'soon' is not",
    ],
    [
      'convertFromEpoch',
      { epochTimestampInput: '1e20' },
      'epochTimestampInput 100000000000000000000 is out of the range of dates',
    ],
    ['convertToIsoString', { dateTimeInput: { when: 'now' } }, 'dateTimeInput must be a date/time'],
  ])('%s rejects %j', async (action, params, message) => {
    await expect(run(action, params)).rejects.toThrow(message);
  });
});
