import { WeftError } from '../errors.js';

/** The import route's JSON body limit: a code-native bundle travels base64-encoded inside it. */
export const importBodyLimitBytes = 50 * 1024 * 1024;

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 body field holding a bundle, decoded; a clear 400 when it is not base64. */
export function decodeBundle(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !base64Pattern.test(compact)) {
    throw new WeftError('API_VALIDATION_FAILED', 'The body field bundle is not base64 text.', {
      part: 'body',
      field: 'bundle',
    });
  }
  return Buffer.from(compact, 'base64');
}
