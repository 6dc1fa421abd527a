import { formatExact, formatWhen } from './format.js';

/** A time as "5 minutes ago", exact on hover and for screen readers (`<time dateTime>`). */
export function When({ value }: { value: string | null | undefined }) {
  if (!value) return null;
  return (
    <time dateTime={value} title={formatExact(value)}>
      {formatWhen(value)}
    </time>
  );
}
