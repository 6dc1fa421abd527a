import busboy from 'busboy';
import { type BodyShapeLimits, defaultBodyShapeLimits } from '../config.js';
import { isWeftError, WeftError } from '../errors.js';
import { parseJsonBody } from '../http/request-body-limits.js';

/**
 * A `multipart/form-data` webhook body as Prismatic gives it to a flow (seed 003, "Posting multipart data with
 * webhook triggers"): one entry per part name, each `{data, contentType}` — a file part's bytes as a Buffer (with
 * its file name), a JSON part parsed (`results.body.data.person.data.firstname`), any other part as text. A name
 * sent more than once keeps every part, as a list.
 */

export interface MultipartPart {
  data: unknown;
  contentType: string;
  filename?: string;
}

/** Parts of one body at most: beyond it the request is refused (a flow never gets a truncated form). */
const maxParts = 1000;

export function parseMultipartBody(
  raw: Buffer,
  contentType: string,
  limits: BodyShapeLimits = defaultBodyShapeLimits,
): Promise<Record<string, MultipartPart | MultipartPart[]>> {
  return new Promise((resolve, reject) => {
    const refuse = (reason: string) =>
      reject(
        new WeftError(
          'WEBHOOK_BODY_INVALID',
          `The multipart/form-data webhook body cannot be read: ${reason}. No execution was created; send a well-formed form (curl --form name=@file).`,
        ),
      );
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { parts: maxParts, fieldSize: raw.length, fileSize: raw.length },
      });
    } catch (error) {
      refuse((error as Error).message);
      return;
    }
    const parts: Array<[string, MultipartPart]> = [];
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value, info) => {
      try {
        parts.push([name, fieldPart(value, info.mimeType, limits)]);
      } catch (error) {
        reject(error);
      }
    });
    parser.on('file', (name, stream, info) => {
      pending.push(
        new Promise((done, fail) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', fail);
          stream.on('end', () => {
            const data = Buffer.concat(chunks);
            const type = info.mimeType || 'application/octet-stream';
            try {
              parts.push([
                name,
                type === 'application/json' || type.endsWith('+json')
                  ? fieldPart(data.toString('utf8'), type, limits)
                  : { data, contentType: type, ...(info.filename ? { filename: info.filename } : {}) },
              ]);
              done();
            } catch (error) {
              fail(error);
            }
          });
        }),
      );
    });
    parser.on('partsLimit', () => refuse(`it has more than ${maxParts} parts`));
    parser.on('error', (error: Error) => refuse(error.message));
    parser.on('close', () => {
      if (parts.some(([name]) => name === '__proto__')) {
        reject(
          new WeftError(
            'API_BODY_FORBIDDEN_KEY',
            'The multipart/form-data webhook body has a part named "__proto__"; no execution was created.',
            { key: '__proto__' },
          ),
        );
        return;
      }
      Promise.all(pending).then(
        () => {
          const form: Record<string, MultipartPart | MultipartPart[]> = Object.create(null);
          for (const [name, part] of parts) {
            const existing = form[name];
            form[name] =
              existing === undefined ? part : [...(Array.isArray(existing) ? existing : [existing]), part];
          }
          resolve({ ...form });
        },
        (error: unknown) => (isWeftError(error) ? reject(error) : refuse(String(error))),
      );
    });
    parser.end(raw);
  });
}

/**
 * A text part: JSON parsed when it says it is JSON (within the same depth and size limits as a JSON body; a part
 * past them refuses the request), text otherwise — including JSON that does not parse, as sent.
 */
function fieldPart(value: string, mimeType: string, limits: BodyShapeLimits): MultipartPart {
  const type = mimeType || 'text/plain';
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      const data = parseJsonBody(value, limits, { what: 'webhook form part', unstorableText: 'repair' });
      return { data, contentType: type };
    } catch (error) {
      if (isWeftError(error) && error.code !== 'API_INVALID_JSON') throw error;
    }
  }
  return { data: value, contentType: type };
}
