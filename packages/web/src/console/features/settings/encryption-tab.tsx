import { useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useRotateEncryptionKeys } from './mutations.js';
import { useEncryptionKeys } from './queries.js';

/** The keys that seal stored secrets (connection credentials, SSO client secret): status, and rotation (owners). */
export default function EncryptionTab() {
  const { can } = useConsole();
  const keys = useEncryptionKeys();
  const rotate = useRotateEncryptionKeys();
  const [confirming, setConfirming] = useState(false);
  const rotation = rotate.data;
  return (
    <>
      <PageHeader
        title="Encryption keys"
        description="Stored secrets (connection credentials, the single sign-on client secret) are sealed with data keys, which are wrapped by the server's master key."
        actions={
          can('encryption:rotate') && (
            <button
              type="button"
              className="button"
              data-testid="encryption-rotate"
              onClick={() => {
                rotate.reset();
                setConfirming(true);
              }}
            >
              Rotate keys
            </button>
          )
        }
      />
      {keys.isPending ? (
        <Loading />
      ) : keys.isError ? (
        <ErrorNotice onRetry={() => void keys.refetch()}>{messageOf(keys.error)}</ErrorNotice>
      ) : (
        <>
          <Section title="Master key" id="master-key">
            <dl className="settings-facts">
              <div className="settings-fact">
                <dt>Id</dt>
                <dd className="mono">{keys.data.masterKeyId}</dd>
              </div>
              <div className="settings-fact">
                <dt>Comes from</dt>
                <dd>
                  {keys.data.masterKeySource === 'environment'
                    ? 'the WEFT_ENCRYPTION_KEY environment variable'
                    : 'the key file in the data directory'}
                </dd>
              </div>
            </dl>
          </Section>
          <Section title="Data keys" id="data-keys">
            <div className="table-wrap">
              <table
                className="table settings-table"
                aria-label="Data keys"
                data-testid="encryption-keys-table"
              >
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">State</th>
                    <th scope="col">Values sealed</th>
                    <th scope="col" className="settings-optional">
                      Wrapped by
                    </th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {keys.data.items.map((key) => (
                    <tr key={key.id}>
                      <td className="mono">{key.id}</td>
                      <td>
                        {key.state === 'active' ? (
                          <Badge kind="active">active</Badge>
                        ) : (
                          <Badge kind="paused">decrypt only</Badge>
                        )}
                      </td>
                      <td>{key.values}</td>
                      <td className="mono settings-optional">
                        {key.masterKeyId}
                        {key.masterKeyId !== keys.data.masterKeyId && (
                          <span className="small muted"> (an older master key: rotate to rewrap)</span>
                        )}
                      </td>
                      <td>
                        <When value={key.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
        </>
      )}
      {rotation && (
        <div className="notice success stack-tight" role="status" data-testid="encryption-rotation">
          <strong>Rotated.</strong>
          <span>
            {rotation.newDataKeyId} is active; {rotation.reEncryptedValues} values re-encrypted,{' '}
            {rotation.rewrappedDataKeys} data keys rewrapped, {rotation.removedDataKeyIds.length} old keys
            removed.
          </span>
          {rotation.remainingDataKeyIds.length > 0 && (
            <span>
              Still in use: {rotation.remainingDataKeyIds.join(', ')}; run the rotation again to finish.
            </span>
          )}
          {rotation.unreadableValues.length > 0 && (
            <span>
              {rotation.unreadableValues.length} values did not decrypt and were left as they are; set them
              again:{' '}
              {rotation.unreadableValues
                .map((value) => `${value.table}.${value.column} ${value.id}`)
                .join(', ')}
              .
            </span>
          )}
        </div>
      )}
      {confirming && (
        <ConfirmDialog
          title="Rotate the encryption keys?"
          confirmLabel="Rotate keys"
          busy={rotate.isPending}
          error={rotate.error ? messageOf(rotate.error) : undefined}
          onClose={() => setConfirming(false)}
          onConfirm={() => rotate.mutate(undefined, { onSuccess: () => setConfirming(false) })}
        >
          <p>
            Weft makes a new data key, re-encrypts every stored secret under it, and rewraps every key under
            the current master key. Running instances keep working. On a large installation this takes a
            while.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
