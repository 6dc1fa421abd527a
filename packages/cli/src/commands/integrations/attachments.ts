/** `integrations:attachments` and `integrations:attachments:upload|download|delete`. */
import path from 'node:path';
import { answerOf } from '@weft/client';
import type { Command } from 'commander';
import { printAnswerOf, printItems } from '../../answers.js';
import { rawBody } from '../../api.js';
import { apiAction } from '../../api-action.js';
import { readUserFile, writeUserFile } from '../../files.js';
import { formatBytes, printAnswer } from '../../output.js';
import { attachmentColumns, attachmentRecord, uploadTimeoutMs } from './print.js';

/** The icon types Weft takes, by extension. */
export const iconTypes: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/** A content type for an attachment, from its extension; anything unknown is sent as bytes. */
const attachmentTypes: Record<string, string> = {
  ...iconTypes,
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

export function registerAttachmentCommands(program: Command): void {
  program
    .command('integrations:attachments <id>')
    .description("List an integration's attachments")
    .action(
      apiAction(({ weft, json }, id: string) =>
        printItems(
          json,
          weft.GET('/api/integrations/{id}/attachments', { params: { path: { id } } }),
          attachmentColumns,
        ),
      ),
    );

  program
    .command('integrations:attachments:upload <id>')
    .description('Attach a file to an integration (at most 25 MiB)')
    .requiredOption('-p, --path <file>', 'the file')
    .option('--name <name>', 'the name to store it under (default: the file name)')
    .option('--content-type <type>', 'its content type (default: guessed from the extension)')
    .action(
      apiAction(async (api, id: string, flags: { path: string; name?: string; contentType?: string }) => {
        const bytes = await readUserFile(flags.path, 'the attachment');
        const contentType =
          flags.contentType ??
          attachmentTypes[path.extname(flags.path).toLowerCase()] ??
          'application/octet-stream';
        const upload = api.patientClient(uploadTimeoutMs).POST('/api/integrations/{id}/attachments', {
          params: { path: { id }, query: { name: flags.name ?? path.basename(flags.path) } },
          ...rawBody(bytes, contentType),
        });
        await printAnswerOf(api.json, upload, attachmentRecord);
      }),
    );

  program
    .command('integrations:attachments:download <id> <attachmentId>')
    .description('Download an attachment to a file (--out) or to stdout')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .action(
      apiAction(async (api, id: string, attachmentId: string, flags: { out?: string }) => {
        const bytes = new Uint8Array(
          await answerOf(
            api.patientClient(uploadTimeoutMs).GET('/api/integrations/{id}/attachments/{attachmentId}', {
              params: { path: { id, attachmentId } },
              parseAs: 'arrayBuffer',
            }),
          ),
        );
        if (!flags.out) {
          process.stdout.write(bytes);
          return;
        }
        await writeUserFile(flags.out, bytes);
        printAnswer(
          api.json,
          { id: attachmentId, file: flags.out, sizeBytes: bytes.length },
          () => `Saved ${formatBytes(bytes.length)} to ${flags.out}\n`,
        );
      }),
    );

  program
    .command('integrations:attachments:delete <id> <attachmentId>')
    .description('Delete an attachment (permanent)')
    .action(
      apiAction(async ({ weft, json }, id: string, attachmentId: string) => {
        await answerOf(
          weft.DELETE('/api/integrations/{id}/attachments/{attachmentId}', {
            params: { path: { id, attachmentId } },
          }),
        );
        printAnswer(json, { id: attachmentId, deleted: true }, () => `Deleted attachment ${attachmentId}\n`);
      }),
    );
}
