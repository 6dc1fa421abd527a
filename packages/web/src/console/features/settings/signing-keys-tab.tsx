import { useId, useState } from 'react';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { PageHeader } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useDeactivateSigningKey, useGenerateSigningKey, useImportSigningKey } from './mutations.js';
import { useSigningKeys } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf, OnceSecret } from './settings-common.js';

type SigningKey = ApiSchema<'SigningKey'>;

/** Offers a text as a file download (the private key): made in the page, never sent anywhere. */
function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/x-pem-file' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/** The RSA keys that verify the JWTs your backend signs for embedded sign-in. */
export default function SigningKeysTab() {
  const { can } = useConsole();
  const keys = useSigningKeys();
  const [generating, setGenerating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [deactivating, setDeactivating] = useState<SigningKey>();
  const mayWrite = can('signing-keys:write');
  return (
    <>
      <PageHeader
        title="Signing keys"
        description="Your backend signs a short-lived JWT (RS256) for each of your customers' users to open the embedded marketplace; Weft checks it with these public keys."
        actions={
          mayWrite && (
            <>
              <button
                type="button"
                className="button"
                data-testid="signing-keys-import"
                onClick={() => setImporting(true)}
              >
                Import public key
              </button>
              <button
                type="button"
                className="button primary"
                data-testid="signing-keys-generate"
                onClick={() => setGenerating(true)}
              >
                Generate key
              </button>
            </>
          )
        }
      />
      {keys.isPending ? (
        <Loading />
      ) : keys.isError ? (
        <ErrorNotice onRetry={() => void keys.refetch()}>{messageOf(keys.error)}</ErrorNotice>
      ) : keys.data.items.length === 0 ? (
        <div className="empty">
          No signing keys yet: embedded sign-in refuses every JWT until you generate or import one.
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table settings-table" aria-label="Signing keys" data-testid="signing-keys-table">
            <thead>
              <tr>
                <th scope="col">Fingerprint (SHA-256)</th>
                <th scope="col">Source</th>
                <th scope="col" className="settings-optional">
                  Size
                </th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id} className={key.deactivatedAt ? 'settings-revoked' : undefined}>
                  <td>
                    <code className="mono small settings-fingerprint" title={key.fingerprint}>
                      {key.fingerprint.slice(0, 16)}…
                    </code>
                    {key.last8 && <div className="small muted">private key ends …{key.last8}</div>}
                  </td>
                  <td>{key.source}</td>
                  <td className="settings-optional">{key.bits} bits</td>
                  <td>
                    <When value={key.createdAt} />
                  </td>
                  <td>
                    {key.deactivatedAt ? (
                      <Badge kind="cancelled">
                        deactivated <When value={key.deactivatedAt} />
                      </Badge>
                    ) : (
                      <Badge kind="active">active</Badge>
                    )}
                  </td>
                  <td className="settings-actions-cell">
                    <div className="row settings-row-actions">
                      <CopyButton value={key.publicKey} label="Copy key" />
                      {mayWrite && !key.deactivatedAt && (
                        <button
                          type="button"
                          className="button small-button danger"
                          data-testid="signing-key-deactivate"
                          aria-label={`Deactivate key ${key.fingerprint.slice(0, 16)}`}
                          onClick={() => setDeactivating(key)}
                        >
                          Deactivate
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="small muted">
        To replace a key without downtime: add the new key, switch your backend to sign with it, then
        deactivate the old one.
      </p>
      {generating && <GenerateDialog onClose={() => setGenerating(false)} />}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
      {deactivating && (
        <DeactivateDialog signingKey={deactivating} onClose={() => setDeactivating(undefined)} />
      )}
    </>
  );
}

function GenerateDialog({ onClose }: { onClose: () => void }) {
  const generate = useGenerateSigningKey();
  const [bits, setBits] = useState<2048 | 4096>(4096);
  const bitsId = useId();
  const generated = generate.data;
  if (generated) {
    return (
      <Dialog
        title="Signing key generated"
        wide
        onClose={onClose}
        footer={
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <OnceSecret
          label="Private key"
          value={generated.privateKey}
          testId="signing-key-private"
          multiline
          warning={
            <>
              Store this private key in your backend's secrets now. <strong>You will not see it again</strong>
              : Weft keeps only the public key. Sign embedded sign-in JWTs with it (RS256).
            </>
          }
          extra={
            <button
              type="button"
              className="button small-button"
              data-testid="signing-key-download"
              onClick={() =>
                download(
                  `weft-signing-key-${generated.key.fingerprint.slice(0, 8)}.pem`,
                  generated.privateKey,
                )
              }
            >
              Download .pem
            </button>
          }
        />
        <p className="small muted">
          Fingerprint <code className="mono">{generated.key.fingerprint}</code>
        </p>
      </Dialog>
    );
  }
  return (
    <Dialog
      title="Generate a signing key"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            disabled={generate.isPending}
            data-testid="signing-keys-generate-submit"
            onClick={() => generate.mutate(bits)}
          >
            {generate.isPending ? 'Generating…' : 'Generate'}
          </button>
        </>
      }
    >
      <p>
        Weft makes an RSA key pair, keeps the public key, and shows you the private key once. If you would
        rather keep the private key to yourself from the start, import a public key instead.
      </p>
      <div className="field">
        <label htmlFor={bitsId}>Key size</label>
        <select
          id={bitsId}
          className="select"
          value={bits}
          onChange={(event) => setBits(Number(event.target.value) as 2048 | 4096)}
        >
          <option value={4096}>4096 bits (recommended)</option>
          <option value={2048}>2048 bits</option>
        </select>
      </div>
      <FormError message={generate.error ? messageOf(generate.error) : undefined} />
    </Dialog>
  );
}

function ImportDialog({ onClose }: { onClose: () => void }) {
  const importKey = useImportSigningKey();
  const [pem, setPem] = useState('');
  const fieldId = useId();
  const fieldError =
    fieldErrorsOf(importKey.error).publicKey ?? (importKey.error ? messageOf(importKey.error) : undefined);
  return (
    <Dialog
      title="Import a public key"
      wide
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="settings-import-key"
            className="button primary"
            disabled={importKey.isPending || !pem.trim()}
            data-testid="signing-keys-import-submit"
          >
            {importKey.isPending ? 'Importing…' : 'Import'}
          </button>
        </>
      }
    >
      <form
        id="settings-import-key"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          importKey.mutate(pem.trim(), { onSuccess: onClose });
        }}
      >
        <div className="field">
          <label htmlFor={fieldId}>Public key (PEM)</label>
          <textarea
            id={fieldId}
            className="textarea code"
            rows={10}
            spellCheck={false}
            placeholder={'-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----'}
            value={pem}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={`${fieldId}-help${fieldError ? ` ${fieldId}-error` : ''}`}
            data-testid="signing-key-pem"
            onChange={(event) => setPem(event.target.value)}
          />
          <div id={`${fieldId}-help`} className="help small muted">
            The public half of your own RSA key (at least 2048 bits), e.g.{' '}
            <code>openssl genrsa -out private.pem 4096 &amp;&amp; openssl rsa -in private.pem -pubout</code>.
            Never paste a private key here.
          </div>
          <FieldError id={`${fieldId}-error`} message={fieldError} />
        </div>
        <FormError
          message={importKey.error && !fieldError ? formErrorOf(importKey.error, ['publicKey']) : undefined}
        />
      </form>
    </Dialog>
  );
}

function DeactivateDialog({ signingKey, onClose }: { signingKey: SigningKey; onClose: () => void }) {
  const deactivate = useDeactivateSigningKey();
  return (
    <ConfirmDialog
      title="Deactivate this signing key?"
      confirmLabel="Deactivate key"
      busy={deactivate.isPending}
      error={deactivate.error ? messageOf(deactivate.error) : undefined}
      onClose={onClose}
      onConfirm={() => deactivate.mutate(signingKey.id, { onSuccess: onClose })}
    >
      <p>
        JWTs signed with the key <code className="mono">{signingKey.fingerprint.slice(0, 16)}…</code> are
        refused from now on, so embedded sign-in fails for a backend that still signs with it. This cannot be
        undone.
      </p>
    </ConfirmDialog>
  );
}
