import { useState } from 'react';
import { useConsole } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { useCreateOrgToken, useRevokeOrgToken } from './mutations.js';
import { useOrgTokens } from './queries.js';
import { canGrant } from './settings-common.js';
import { type ApiToken, CreateTokenDialog, RevokeTokenDialog, TokenTable } from './token-parts.js';

/** Every API token of the organization (owners and admins): the organization's and each user's. */
export default function TokensTab() {
  const { can, session } = useConsole();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const tokens = useOrgTokens(includeRevoked);
  const create = useCreateOrgToken();
  const revoke = useRevokeOrgToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken>();
  const mayWrite = can('tokens:write');
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens let scripts, CI and the CLI call Weft's API. Each acts with its role; a user's token never does more than its user may."
        actions={
          mayWrite && (
            <button
              type="button"
              className="button primary"
              data-testid="tokens-create"
              onClick={() => {
                create.reset();
                setCreating(true);
              }}
            >
              Create token
            </button>
          )
        }
      />
      <label className="row settings-checkbox small">
        <input
          type="checkbox"
          checked={includeRevoked}
          data-testid="tokens-include-revoked"
          onChange={(event) => setIncludeRevoked(event.target.checked)}
        />
        Show revoked tokens
      </label>
      <TokenTable
        query={tokens}
        label="API tokens of the organization"
        showOwner
        mayRevoke={(token) => mayWrite && canGrant(session.role, token.role)}
        onRevoke={(token) => {
          revoke.reset();
          setRevoking(token);
        }}
        empty="No API tokens yet."
      />
      {creating && (
        <CreateTokenDialog
          title="Create an API token"
          intro="For a script, CI job or another service. The token is shown once, when it is created."
          create={create}
          ownerChoice={session.user !== null}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <RevokeTokenDialog token={revoking} revoke={revoke} onClose={() => setRevoking(undefined)} />
      )}
    </>
  );
}
