/** Reading and writing the files a user names, with one-line errors naming the path (exit 1). */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { CliError } from './cli-error.js';

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/** The bytes of `file`; `what` names it in the error (`the icon`: "Cannot read the icon 'x.png': …"). */
export async function readUserFile(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new CliError(`Cannot read ${what} '${file}': ${describeFsError(error)}.`);
  }
}

export async function writeUserFile(file: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(file, bytes);
  } catch (error) {
    throw new CliError(`Cannot write '${file}': ${describeFsError(error)}.`);
  }
}

/** Whether the path a user gave is a directory (else a file); a path that is not there fails. */
export async function isDirectory(userPath: string): Promise<boolean> {
  try {
    return (await stat(userPath)).isDirectory();
  } catch (error) {
    throw new CliError(`Cannot read '${userPath}': ${describeFsError(error)}.`);
  }
}

/** Content types whose payload is text; any other makes a payload file a file, taken as its bytes. */
export const textPayloadTypes =
  /^(text\/|application\/(json|xml|x-www-form-urlencoded|[\w.+-]+\+(json|xml))\b)/i;

/**
 * A test payload: a JSON file parsed (for a JSON content type), text types as text, anything else (an image, a
 * PDF) as its bytes in base64 with `encoding: 'base64'`, which the flow's trigger receives as a file.
 */
export async function readPayload(
  file: string,
  contentType: string,
): Promise<{ payload: unknown; encoding?: 'base64' }> {
  const bytes = await readUserFile(file, 'the payload');
  if (!textPayloadTypes.test(contentType)) return { payload: bytes.toString('base64'), encoding: 'base64' };
  const text = bytes.toString('utf8');
  if (!/[/+]json\b/i.test(contentType)) return { payload: text };
  try {
    return { payload: JSON.parse(text) };
  } catch (error) {
    throw new CliError(
      `The payload '${file}' is not JSON (${(error as Error).message}); pass --content-type for another kind of payload.`,
    );
  }
}
