import { bool, component, data, operation, str } from './define.js';

/*
 * Real definitions use dateTimeInput and the adjustment inputs (daysInput, hoursInput, minutesInput,
 * secondsInput). The keys of the other inputs are not printed in the documentation; they follow the same
 * "<label>Input" naming.
 */
const dateTime = data('dateTimeInput', 'Date/Time');
const timeZone = str('timeZoneInput', 'Time Zone');
const epochInSeconds = bool('epochInSecondsInput', 'Display Epoch In Seconds', { default: 'false' });

export const datetime = component('datetime', 'Date/Time', {
  actions: [
    operation('adjustDateTime', 'Adjust Date/Time', 'Add or remove seconds, minutes, hours and days.', [
      dateTime,
      str('secondsInput', 'Seconds'),
      str('minutesInput', 'Minutes'),
      str('hoursInput', 'Hours'),
      str('daysInput', 'Days'),
    ]),
    operation(
      'convertToIsoString',
      'Convert Date/Time To ISO String',
      'Convert a date/time to an ISO string.',
      [dateTime, timeZone],
    ),
    operation(
      'convertToLocalIsoString',
      'Convert Date/Time To Local ISO String',
      'Convert a date/time to an ISO string in the local time of a time zone.',
      [dateTime, timeZone],
    ),
    operation('convertToEpoch', 'Convert Date To Epoch', 'Convert a date to epoch seconds or milliseconds.', [
      dateTime,
      epochInSeconds,
    ]),
    operation(
      'convertFromEpoch',
      'Convert Epoch Timestamp To Date',
      'Convert an epoch timestamp to an ISO date.',
      [
        str('epochTimestampInput', 'Epoch Timestamp'),
        bool('epochTimestampInSecondsInput', 'Epoch Timestamp in Seconds', { default: 'false' }),
      ],
    ),
    operation('formatDateTime', 'Format Date/Time', 'Format a timestamp with a format string.', [
      dateTime,
      str('timeZoneInput', 'Time Zone', { default: 'etc/UTC' }),
      str('formatInput', 'Format', { default: 'YYYY-MM-DDTHH:mm:ss.SSSZ' }),
    ]),
    operation('getCurrentDateTime', 'Get Current Date/Time', 'Return the current date/time in UTC.', [
      epochInSeconds,
    ]),
  ],
});
