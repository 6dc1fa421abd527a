/** What a command prints: aligned columns for people, JSON for scripts (`--json`). */

export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => columns.map((column) => column.value(row).replace(/\s+/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)),
  );
  const render = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[render(columns.map((c) => c.header.toUpperCase())), ...cells.map(render)].join('\n')}\n`;
}

export function formatRecord(record: Record<string, string>): string {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  return `${Object.entries(record)
    .map(([key, value]) => `${key.padEnd(width)}  ${value}`)
    .join('\n')}\n`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints `value` as JSON with --json, else the text `text` makes of it. */
export function printAnswer<T>(json: boolean, value: T, text: (value: T) => string): void {
  if (json) printJson(value);
  else process.stdout.write(text(value));
}

/** Prints `value` as a table, or as JSON with --json. */
export function printTable<T>(json: boolean, value: unknown, rows: T[], columns: Column<T>[]): void {
  if (json) printJson(value);
  else process.stdout.write(formatTable(rows, columns));
}

/** Progress for people, on stderr: `• Building x…`. */
export function progress(message: string): void {
  process.stderr.write(`• ${message}…\n`);
}

/** A byte count for people: `512 B`, `1.5 KiB`, `2.0 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** `1 problem`, `2 problems`. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** Text cut to `max` characters, with an ellipsis where it was cut. */
export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text on one line (runs of white space as one space), cut to `max` characters. */
export function short(text: string, max: number): string {
  return truncate(text.replace(/\s+/g, ' '), max);
}

/**
 * An execution's (or a flow run's) error for people: its message, with the step that failed when `withStep`;
 * anything else as JSON.
 */
export function errorText(error: unknown, { withStep = false } = {}): string {
  if (error === undefined || error === null) return '';
  if (typeof error === 'string') return error;
  const { message, stepKey } = error as { message?: unknown; stepKey?: unknown };
  if (typeof message !== 'string') return JSON.stringify(error);
  return withStep && typeof stepKey === 'string' ? `${message} (step ${stepKey})` : message;
}
