import { Cron } from 'croner';

/** Why a cron expression is invalid, or undefined when it is valid. Five fields, or six with seconds first. */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (expression.trim() === '') return 'the cron expression is empty';
  if (!expression.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), '${expression}' has ${fields.length}`;
  }
  try {
    new Cron(expression, { paused: true }).stop();
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

/** True for an IANA time zone name the runtime knows (and for the empty string, meaning UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  if (timeZone === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
