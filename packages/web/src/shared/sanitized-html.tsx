import { sanitizeHtml } from './html.js';

/** HTML the organization wrote, shown only after DOMPurify (html.ts) took out anything that could run. */
export function SanitizedHtml({ html, className }: { html: string; className?: string }) {
  // biome-ignore lint/security/noDangerouslySetInnerHtml: the one place HTML is set, always sanitized first
  return <div className={className} dangerouslySetInnerHTML={{ __html: sanitizeHtml(html) }} />;
}
