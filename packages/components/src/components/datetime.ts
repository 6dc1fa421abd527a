/**
 * The `datetime` built-in: the current time, adjustments, ISO and epoch conversions, time zones and formatting.
 *
 * A date/time input accepts an ISO 8601 string (`2024-01-31T12:00:00Z`; without an offset it is read in UTC, or in
 * the action's time zone when it has one), an RFC 2822 / HTTP date, a `Date`, or epoch milliseconds (a number or
 * numeric text). Format strings use Moment.js / Day.js tokens (`YYYY-MM-DD HH:mm:ss Z`), as Prismatic's default
 * `YYYY-MM-DDTHH:mm:ss.SSSZ` does.
 */
import { action, type Component, component, input } from '@weft/sdk';
import { DateTime, IANAZone } from 'luxon';
import {
  describeValue,
  isBlank,
  nowMillis,
  toBoolean,
  toNumber,
  toOptionalNumber,
  toText,
} from './support-values.js';

const dateTimeInput = input({
  label: 'Date/Time',
  type: 'data',
  comments:
    'The date/time: an ISO 8601 string such as 2024-01-31T12:00:00Z (UTC when it has no offset), an RFC 2822 date, or epoch milliseconds.',
});
const timeZoneInput = input({
  label: 'Time Zone',
  type: 'string',
  comments: 'An IANA time zone such as America/Chicago or Etc/UTC (UTC when empty).',
});
const epochInSecondsInput = input({
  label: 'Display Epoch In Seconds',
  type: 'boolean',
  default: 'false',
  comments: 'Give the epoch in seconds instead of milliseconds.',
});

/** The IANA zone of a time zone input (`UTC` when empty), with a clear error for an unknown zone. */
function zoneOf(value: unknown, what = 'timeZoneInput'): string {
  if (isBlank(value)) return 'UTC';
  const name = toText(value, what).trim();
  if (/^(utc|gmt|z)$/i.test(name)) return 'UTC';
  if (IANAZone.isValidZone(name)) return name;
  // Fixed offsets: UTC+5, UTC-03:30.
  const fixed = /^(?:utc|gmt)?\s*([+-]\d{1,2}(?::?\d{2})?)$/i.exec(name);
  if (fixed) {
    const zone = DateTime.utc().setZone(`UTC${fixed[1]}`);
    if (zone.isValid) return `UTC${fixed[1]}`;
  }
  throw new Error(
    `${what}: '${name}' is not a known time zone; use an IANA name such as America/New_York or Etc/UTC`,
  );
}

/** Reads a date/time input; a value without an offset is read in `zone`. */
export function parseDateTime(value: unknown, what: string, zone = 'UTC'): DateTime {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`${what} is an invalid Date`);
    return DateTime.fromJSDate(value, { zone });
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${what} must be a date/time; ${value} is not`);
    return DateTime.fromMillis(value, { zone });
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) return DateTime.fromMillis(Number(text), { zone });
    const options = { zone, setZone: true };
    for (const parse of [DateTime.fromISO, DateTime.fromRFC2822, DateTime.fromHTTP, DateTime.fromSQL]) {
      const parsed = parse(text, options);
      if (parsed.isValid) return parsed;
    }
    const fallback = Date.parse(text);
    if (!Number.isNaN(fallback)) return DateTime.fromMillis(fallback, { zone });
  }
  throw new Error(
    `${what} must be a date/time such as 2024-01-31T12:00:00Z or epoch milliseconds; ${describeValue(value)} is not`,
  );
}

function utcIso(dateTime: DateTime): string {
  return dateTime.toUTC().toISO() as string;
}

// ---------------------------------------------------------------------------------------------------------------
// Moment.js / Day.js format tokens, rendered with luxon. Text in [brackets] is literal.

const ordinal = (n: number) => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
};

const formatTokens: Record<string, (dt: DateTime) => string> = {
  YYYY: (dt) => dt.toFormat('yyyy'),
  YY: (dt) => dt.toFormat('yy'),
  Q: (dt) => String(dt.quarter),
  MMMM: (dt) => dt.toFormat('LLLL'),
  MMM: (dt) => dt.toFormat('LLL'),
  MM: (dt) => dt.toFormat('LL'),
  M: (dt) => dt.toFormat('L'),
  Mo: (dt) => ordinal(dt.month),
  DDDD: (dt) => dt.toFormat('ooo'),
  DDD: (dt) => dt.toFormat('o'),
  DD: (dt) => dt.toFormat('dd'),
  Do: (dt) => ordinal(dt.day),
  D: (dt) => dt.toFormat('d'),
  dddd: (dt) => dt.toFormat('cccc'),
  ddd: (dt) => dt.toFormat('ccc'),
  dd: (dt) => dt.toFormat('ccc').slice(0, 2),
  d: (dt) => String(dt.weekday % 7),
  E: (dt) => String(dt.weekday),
  WW: (dt) => dt.toFormat('WW'),
  W: (dt) => dt.toFormat('W'),
  GGGG: (dt) => dt.toFormat('kkkk'),
  HH: (dt) => dt.toFormat('HH'),
  H: (dt) => dt.toFormat('H'),
  hh: (dt) => dt.toFormat('hh'),
  h: (dt) => dt.toFormat('h'),
  kk: (dt) => String(dt.hour === 0 ? 24 : dt.hour).padStart(2, '0'),
  k: (dt) => String(dt.hour === 0 ? 24 : dt.hour),
  mm: (dt) => dt.toFormat('mm'),
  m: (dt) => dt.toFormat('m'),
  ss: (dt) => dt.toFormat('ss'),
  s: (dt) => dt.toFormat('s'),
  SSS: (dt) => dt.toFormat('SSS'),
  SS: (dt) => dt.toFormat('SSS').slice(0, 2),
  S: (dt) => dt.toFormat('SSS').slice(0, 1),
  A: (dt) => dt.toFormat('a').toUpperCase(),
  a: (dt) => dt.toFormat('a').toLowerCase(),
  ZZ: (dt) => dt.toFormat('ZZZ'),
  Z: (dt) => dt.toFormat('ZZ'),
  zz: (dt) => dt.toFormat('ZZZZ'),
  z: (dt) => dt.toFormat('ZZZZ'),
  X: (dt) => String(Math.floor(dt.toSeconds())),
  x: (dt) => String(dt.toMillis()),
};
const tokenPattern = new RegExp(
  `\\[([^\\]]*)\\]|${Object.keys(formatTokens)
    .sort((a, b) => b.length - a.length)
    .join('|')}`,
  'g',
);

export function formatMoment(dateTime: DateTime, format: string): string {
  return format.replace(tokenPattern, (token, literal: string | undefined) =>
    literal !== undefined ? literal : (formatTokens[token] as (dt: DateTime) => string)(dateTime),
  );
}

// ---------------------------------------------------------------------------------------------------------------

export const datetimeComponent: Component = component({
  key: 'datetime',
  public: true,
  display: { label: 'Date/Time', description: 'Date and time conversions, adjustments and formatting.' },
  actions: {
    adjustDateTime: action({
      display: { label: 'Adjust Date/Time', description: 'Add or remove seconds, minutes, hours and days.' },
      inputs: {
        dateTimeInput,
        secondsInput: input({
          label: 'Seconds',
          type: 'string',
          comments: 'Seconds to add (negative to remove); 0 when empty.',
        }),
        minutesInput: input({
          label: 'Minutes',
          type: 'string',
          comments: 'Minutes to add (negative to remove); 0 when empty.',
        }),
        hoursInput: input({
          label: 'Hours',
          type: 'string',
          comments: 'Hours to add (negative to remove); 0 when empty.',
        }),
        daysInput: input({
          label: 'Days',
          type: 'string',
          comments: 'Days of 24 hours to add (negative to remove); 0 when empty.',
        }),
      },
      perform: async (_context, params) => {
        const start = parseDateTime(params.dateTimeInput, 'dateTimeInput');
        const seconds = toOptionalNumber(params.secondsInput, 'secondsInput', 0);
        const minutes = toOptionalNumber(params.minutesInput, 'minutesInput', 0);
        const hours = toOptionalNumber(params.hoursInput, 'hoursInput', 0);
        const days = toOptionalNumber(params.daysInput, 'daysInput', 0);
        const offset = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
        const adjusted = start.plus({ milliseconds: Math.round(offset * 1000) });
        if (!adjusted.isValid) throw new Error('the adjusted date/time is out of range');
        return { data: utcIso(adjusted) };
      },
    }),
    convertToIsoString: action({
      display: {
        label: 'Convert Date/Time To ISO String',
        description: 'Convert a date/time to an ISO string.',
      },
      inputs: {
        dateTimeInput,
        timeZoneInput: input({
          label: 'Time Zone',
          type: 'string',
          comments:
            'The time zone a date/time without an offset is in (such as America/Chicago); UTC when empty. The result is in UTC.',
        }),
      },
      perform: async (_context, params) => {
        const zone = zoneOf(params.timeZoneInput);
        return { data: utcIso(parseDateTime(params.dateTimeInput, 'dateTimeInput', zone)) };
      },
    }),
    convertToLocalIsoString: action({
      display: {
        label: 'Convert Date/Time To Local ISO String',
        description: 'Convert a date/time to an ISO string in the local time of a time zone.',
      },
      inputs: { dateTimeInput, timeZoneInput },
      perform: async (_context, params) => {
        const zone = zoneOf(params.timeZoneInput);
        const local = parseDateTime(params.dateTimeInput, 'dateTimeInput').setZone(zone);
        return { data: local.toISO() as string };
      },
    }),
    convertToEpoch: action({
      display: {
        label: 'Convert Date To Epoch',
        description: 'Convert a date to epoch seconds or milliseconds.',
      },
      inputs: { dateTimeInput, epochInSecondsInput },
      perform: async (_context, params) => {
        const millis = parseDateTime(params.dateTimeInput, 'dateTimeInput').toMillis();
        const inSeconds = toBoolean(params.epochInSecondsInput, 'epochInSecondsInput');
        return { data: inSeconds ? Math.floor(millis / 1000) : millis };
      },
    }),
    convertFromEpoch: action({
      display: {
        label: 'Convert Epoch Timestamp To Date',
        description: 'Convert an epoch timestamp to an ISO date.',
      },
      inputs: {
        epochTimestampInput: input({
          label: 'Epoch Timestamp',
          type: 'string',
          comments: 'The epoch timestamp: milliseconds since 1970-01-01T00:00:00Z (or seconds, see below).',
        }),
        epochTimestampInSecondsInput: input({
          label: 'Epoch Timestamp in Seconds',
          type: 'boolean',
          default: 'false',
          comments: 'The timestamp is in seconds instead of milliseconds.',
        }),
      },
      perform: async (_context, params) => {
        const epoch = toNumber(params.epochTimestampInput, 'epochTimestampInput');
        const inSeconds = toBoolean(params.epochTimestampInSecondsInput, 'epochTimestampInSecondsInput');
        const dateTime = DateTime.fromMillis(inSeconds ? epoch * 1000 : epoch, { zone: 'UTC' });
        if (!dateTime.isValid) throw new Error(`epochTimestampInput ${epoch} is out of the range of dates`);
        return { data: utcIso(dateTime) };
      },
    }),
    formatDateTime: action({
      display: { label: 'Format Date/Time', description: 'Format a timestamp with a format string.' },
      inputs: {
        dateTimeInput,
        timeZoneInput: input({
          label: 'Time Zone',
          type: 'string',
          default: 'etc/UTC',
          comments: 'The IANA time zone to show the date/time in, such as America/Chicago; UTC by default.',
        }),
        formatInput: input({
          label: 'Format',
          type: 'string',
          default: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
          comments:
            'A Moment.js-style format: YYYY MM DD HH mm ss SSS Z, MMM/MMMM month names, ddd/dddd day names, A (AM/PM), X/x (epoch); text in [brackets] is kept as is.',
        }),
      },
      perform: async (_context, params) => {
        const zone = zoneOf(params.timeZoneInput);
        const dateTime = parseDateTime(params.dateTimeInput, 'dateTimeInput').setZone(zone);
        const format = isBlank(params.formatInput)
          ? 'YYYY-MM-DDTHH:mm:ss.SSSZ'
          : toText(params.formatInput, 'formatInput');
        return { data: formatMoment(dateTime, format) };
      },
    }),
    getCurrentDateTime: action({
      display: { label: 'Get Current Date/Time', description: 'Return the current date/time in UTC.' },
      inputs: {
        epochInSecondsInput: input({
          label: 'Display Epoch In Seconds',
          type: 'boolean',
          default: 'false',
          comments: 'Return the current time as epoch seconds instead of an ISO 8601 string in UTC.',
        }),
      },
      perform: async (context, params) => {
        const now = nowMillis(context);
        const inSeconds = toBoolean(params.epochInSecondsInput, 'epochInSecondsInput');
        return { data: inSeconds ? Math.floor(now / 1000) : new Date(now).toISOString() };
      },
    }),
  },
});
