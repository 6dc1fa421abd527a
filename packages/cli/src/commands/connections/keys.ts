/** `keys:list` and `keys:rotate`: the encryption keys that seal stored credentials. */
import { type ApiSchema, answerOf } from '@weft/client';
import type { Command } from 'commander';
import { apiAction } from '../../api-action.js';
import { counted, formatTable, printAnswer } from '../../output.js';

/** A rotation re-encrypts every stored credential in one request: allow it far longer than other requests. */
const rotateTimeoutMs = 60 * 60_000;

function keysText(keys: ApiSchema<'EncryptionKeys'>): string {
  const source =
    keys.masterKeySource === 'file' ? 'the key file in the data directory' : 'WEFT_ENCRYPTION_KEY';
  return `Master key ${keys.masterKeyId} (from ${source})\n\n${formatTable(keys.items, [
    { header: 'data key', value: (k) => k.id },
    { header: 'state', value: (k) => k.state },
    { header: 'master key', value: (k) => k.masterKeyId },
    { header: 'values', value: (k) => String(k.values) },
    { header: 'created', value: (k) => k.createdAt },
  ])}`;
}

function rotationText(report: ApiSchema<'KeyRotation'>): string {
  return `${[
    `Data key ${report.newDataKeyId} is active (under master key ${report.masterKeyId}).`,
    `Re-encrypted ${counted(report.reEncryptedValues, 'value')}; rewrapped ${counted(report.rewrappedDataKeys, 'data key')} under the master key.`,
    `Removed data keys: ${report.removedDataKeyIds.join(', ') || 'none'}.`,
  ].join('\n')}\n`;
}

export function registerKeyCommands(program: Command): void {
  program
    .command('keys:list')
    .description('The master key in use, and the data encryption keys with how many stored values each seals')
    .action(
      apiAction(async ({ weft, json }) => {
        printAnswer(json, await answerOf(weft.GET('/api/encryption-keys')), keysText);
      }),
    );

  program
    .command('keys:rotate')
    .description(
      'Rotate the encryption keys without downtime: a new data key, every stored credential re-encrypted under it, every data key rewrapped under the current master key, unused data keys deleted (owner only)',
    )
    .action(
      apiAction(async (api) => {
        api.checkSettings();
        process.stderr.write('• Rotating: re-encrypting every stored credential under a new data key…\n');
        const report = await answerOf(api.patientClient(rotateTimeoutMs).POST('/api/encryption-keys/rotate'));
        printAnswer(api.json, report, rotationText);
        if (report.remainingDataKeyIds.length > 0) {
          process.stderr.write(
            `Data keys still in use by values written during the rotation: ${report.remainingDataKeyIds.join(', ')}; run weft keys:rotate again to remove them.\n`,
          );
        }
      }),
    );
}
