/**
 * Every error the server can answer with or stop on, in one registry.
 *
 * A code is stable once shipped and never reused for another meaning: clients and scripts match on it.
 * Each entry gives the HTTP status and the sentence that tells the user what to do; `docs/errors.md` has a row
 * per code and a test keeps the two in step.
 */

export const errorCatalog = {
  // Requests
  API_INVALID_JSON: { status: 400, hint: 'Send a valid JSON document with Content-Type: application/json.' },
  API_VALIDATION_FAILED: {
    status: 400,
    hint: 'Fix the field named in details.field and send the request again.',
  },
  API_INVALID_CURSOR: { status: 400, hint: 'Pass the nextCursor value from a previous page unchanged.' },
  API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    hint: 'Send the body as JSON with Content-Type: application/json.',
  },
  API_PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller body; the limit is in details.limitBytes.' },
  API_BODY_TOO_DEEP: {
    status: 400,
    hint: 'Send a body whose objects and arrays nest at most details.maxDepth levels deep (the server sets it with WEFT_BODY_MAX_DEPTH).',
  },
  API_BODY_TOO_MANY_VALUES: {
    status: 413,
    hint: 'Split the data over several requests (at most details.maxValues values each), or raise WEFT_BODY_MAX_VALUES on the server.',
  },
  API_BODY_FORBIDDEN_KEY: {
    status: 400,
    hint: 'Rename the key named in details.key: __proto__, and constructor holding prototype, are refused everywhere.',
  },
  API_BODY_INVALID_TEXT: {
    status: 400,
    hint: 'Send text as well-formed UTF-8 without NUL characters (\\u0000) or unpaired surrogates (\\ud800 alone); details.position, when given, is where the first one is.',
  },
  API_PARAMETER_INVALID_TEXT: {
    status: 400,
    hint: 'Remove the NUL character (%00) from the parameter named in details.field.',
  },
  API_HEADERS_TOO_LARGE: {
    status: 431,
    hint: 'Send shorter headers and a shorter URL (query string): together they must fit in details.limitBytes.',
  },
  API_REQUEST_TIMEOUT: {
    status: 408,
    hint: 'Send the whole request (headers and body) without pausing: the server stops waiting for a slow one.',
  },
  API_ROUTE_NOT_FOUND: { status: 404, hint: 'Check the method and path against /api/openapi.json.' },
  API_INTERNAL: { status: 500, hint: 'Retry later; the server log has the details under this request id.' },
  API_DATABASE_UNAVAILABLE: {
    status: 503,
    hint: 'Retry shortly; check that PostgreSQL is running and reachable.',
  },

  // Authentication and authorization
  AUTH_TOKEN_MISSING: {
    status: 401,
    hint: 'Send Authorization: Bearer <token> with an API token of your organization.',
  },
  AUTH_TOKEN_INVALID: { status: 401, hint: 'Check the token; create a new one with `weft tokens:create`.' },
  AUTH_TOKEN_REVOKED: {
    status: 401,
    hint: 'This token was revoked; create a new one with `weft tokens:create`.',
  },
  AUTH_FORBIDDEN: { status: 403, hint: 'Use a token whose role is listed in details.allowedRoles.' },
  AUTH_ORGANIZATION_ONLY: {
    status: 403,
    hint: 'This route is for the organization’s team; customer users use the marketplace and self-service routes.',
  },
  AUTH_CSRF_TOKEN_INVALID: {
    status: 403,
    hint: 'Send the X-CSRF-Token header with the csrfToken from sign-in or GET /api/session (browsers signed in by cookie must).',
  },
  AUTH_SESSION_INVALID: {
    status: 401,
    hint: 'Sign in again: the session expired, was signed out, or is not one of this server.',
  },

  // People: organization users, passwords, sessions and single sign-on
  USER_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list the organization’s users with `weft users:list`.',
  },
  USER_EMAIL_TAKEN: {
    status: 409,
    hint: 'Another user of the organization has this email (emails compare case-insensitively): update that user instead.',
  },
  USER_EMAIL_INVALID: { status: 400, hint: 'Give an email address such as name@example.com.' },
  USER_ROLE_NOT_GRANTABLE: {
    status: 403,
    hint: 'You may only give, change or remove roles at or below your own; ask an owner to do it.',
  },
  USER_LAST_OWNER: { status: 409, hint: 'Make another user an owner first, then change or remove this one.' },
  USER_CURRENT_PASSWORD_WRONG: {
    status: 403,
    hint: 'Send your current password in currentPassword; forgot it? Ask an administrator for a new invitation link.',
  },
  USER_PASSWORD_INVALID: {
    status: 400,
    hint: 'Choose a password of 12 to 256 characters; a passphrase of several words is easiest.',
  },
  AUTH_SIGN_IN_FAILED: {
    status: 401,
    hint: 'Check the email and password. After 5 failed sign-ins in 15 minutes, sign-in is locked for 15 minutes.',
  },
  AUTH_SIGN_IN_LOCKED: {
    status: 429,
    hint: 'Wait until the time given (the Retry-After header has the seconds), then sign in again; an administrator can also invite you again to set a new password.',
  },
  AUTH_SIGN_IN_ORGANIZATION_REQUIRED: {
    status: 400,
    hint: 'Send organization: the id of one of the organizations in details.organizations.',
  },
  AUTH_SESSION_REQUIRED: {
    status: 400,
    hint: 'This route acts on a session signed in by cookie (or on the user who owns the token); sign in first.',
  },
  AUTH_INVITATION_INVALID: {
    status: 400,
    hint: 'Ask an administrator for a new invitation link: a link works once and lasts 7 days.',
  },
  TOKEN_OWNER_INVALID: {
    status: 400,
    hint: 'Name a user of your organization in userId, or send forMe only when you are signed in as a user (or use a token you own).',
  },
  SSO_NOT_CONFIGURED: {
    status: 404,
    hint: 'An owner sets single sign-on up with PUT /api/organization/sso (and enabled: true).',
  },
  AUTH_OIDC_STATE_INVALID: {
    status: 400,
    hint: 'Start the sign-in again: it must finish within 10 minutes, in the browser that started it.',
  },
  AUTH_OIDC_FAILED: {
    status: 502,
    hint: 'Check the SSO settings (issuer, client id, client secret) and that the provider has details.redirectUri registered for the client; then sign in again.',
  },
  AUTH_SSO_USER_NOT_ALLOWED: {
    status: 403,
    hint: 'Ask an administrator to invite your email address, or to add its domain to the SSO settings’ allowedDomains.',
  },
  AUTH_SSO_EMAIL_NOT_VERIFIED: {
    status: 403,
    hint: 'Verify the email address with your identity provider (or have it send email_verified: true), then sign in again; an identity already linked to a user signs in without it.',
  },
  USER_PASSWORD_NEEDS_SESSION: {
    status: 403,
    hint: 'Sign in (with single sign-on) and set the first password from that session, or ask an administrator for an invitation link.',
  },

  // People: customer users, signing keys and embedded sign-in
  CUSTOMER_USER_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list the customer’s users with `weft customers:users:list --customer <id>`.',
  },
  CUSTOMER_USER_EMAIL_TAKEN: {
    status: 409,
    hint: 'Use another email, or update the customer user who has it (`weft customers:users:list --customer <id>`).',
  },
  CUSTOMER_USER_EXTERNAL_ID_TAKEN: {
    status: 409,
    hint: 'Use another externalId, or update the customer user who has it.',
  },
  SIGNING_KEY_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list signing keys with `weft signing-keys:list`.',
  },
  SIGNING_KEY_INVALID: {
    status: 400,
    hint: 'Send the public half of an RSA key pair in PEM form (openssl rsa -in private.pem -pubout > public.pub).',
  },
  SIGNING_KEY_TOO_SMALL: {
    status: 400,
    hint: 'Generate an RSA key of at least 2048 bits (openssl genrsa -out private.pem 4096) and import its public half.',
  },
  SIGNING_KEY_PRIVATE_KEY_REFUSED: {
    status: 400,
    hint: 'Never upload a private key: keep it in your backend only, and import the public half (openssl rsa -in private.pem -pubout > public.pub).',
  },
  SIGNING_KEY_DUPLICATE: {
    status: 409,
    hint: 'This public key is already imported (details.signingKeyId); to use a fresh key, generate a new key pair.',
  },
  AUTH_JWT_MALFORMED: {
    status: 401,
    hint: 'Send a compact JWS (header.payload.signature, base64url) whose header and payload are JSON objects, as a JWT library makes it.',
  },
  AUTH_JWT_ALGORITHM_UNSUPPORTED: {
    status: 401,
    hint: 'Sign the JWT with RS256 (header {"alg": "RS256", "typ": "JWT"}) and the private key of one of your signing keys.',
  },
  AUTH_JWT_CLAIM_MISSING: {
    status: 401,
    hint: 'Add the claim named in details.claim to the JWT payload (see docs/embedded-sign-in.md for every claim).',
  },
  AUTH_JWT_CLAIM_INVALID: {
    status: 401,
    hint: 'Fix the claim named in details.claim: its type or value is not what docs/embedded-sign-in.md describes.',
  },
  AUTH_JWT_ORGANIZATION_UNKNOWN: {
    status: 401,
    hint: 'Set the organization claim to your organization id: `weft organization:get --json` prints it (id).',
  },
  AUTH_JWT_SIGNATURE_INVALID: {
    status: 401,
    hint: 'Sign with the private key of an active signing key of the organization in the organization claim (`weft signing-keys:list` shows fingerprints and last 8 characters).',
  },
  AUTH_JWT_KEY_INACTIVE: {
    status: 401,
    hint: 'Sign with an active signing key: generate or import a new one (`weft signing-keys:generate`) and use its private key.',
  },
  AUTH_JWT_EXPIRED: {
    status: 401,
    hint: 'Issue a fresh JWT from your backend (exp in the future); check your server clock against details.serverTime.',
  },
  AUTH_JWT_NOT_YET_VALID: {
    status: 401,
    hint: 'Set iat (and nbf) to the current time; check your server clock against details.serverTime.',
  },
  AUTH_JWT_LIFETIME_TOO_LONG: {
    status: 401,
    hint: 'Issue JWTs that live at most 24 hours (exp - iat <= 86400) and refresh them before they expire.',
  },
  AUTH_JWT_CUSTOMER_UNKNOWN: {
    status: 401,
    hint: 'Add customer_name to the JWT so the customer is created on first sign-in, or create the customer with that externalId first (`weft customers:create --name N --external-id ID`).',
  },
  AUTH_JWT_CUSTOMER_NAME_TAKEN: {
    status: 401,
    hint: 'Send another customer_name, or give the existing customer of that name the externalId of the customer claim (`weft customers:update ID --external-id X`).',
  },

  // Audit log

  // Marketplace and config wizard
  MARKETPLACE_NO_AVAILABLE_VERSION: {
    status: 422,
    hint: 'Publish a version (or mark one available), or pin an available one with versionNumber; details.availableVersions lists them.',
  },
  MARKETPLACE_INTEGRATION_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; GET /api/marketplace lists the integrations you may activate.',
  },
  MARKETPLACE_NOT_LISTED: {
    status: 422,
    hint: 'List it first (PUT /api/integrations/{id}/marketplace {"listed": true}), or create the instance with POST /api/instances.',
  },
  MARKETPLACE_NOT_CUSTOMER_DEPLOYABLE: {
    status: 403,
    hint: 'Ask the organization to activate it for you (or to make it customer-deployable).',
  },
  MARKETPLACE_INSTANCE_EXISTS: {
    status: 409,
    hint: 'Configure the existing instance (details.instanceId), or allow multiple instances in the integration’s marketplace settings.',
  },
  MARKETPLACE_CUSTOMER_REQUIRED: {
    status: 400,
    hint: 'Pass customer (the customer’s id or external id): organization callers act for a customer they name.',
  },
  CONFIG_WIZARD_PAGE_NOT_FOUND: {
    status: 404,
    hint: 'Name a page of GET /api/instances/{id}/config-wizard by its name or number (details.pages).',
  },
  CONFIG_WIZARD_VALUES_INVALID: {
    status: 422,
    hint: 'Fix the values listed in details.problems (each names its config variable); nothing was saved.',
  },
  CONFIG_WIZARD_VARIABLE_NOT_FOUND: {
    status: 404,
    hint: 'Name a config variable of GET /api/instances/{id}/config-wizard by its name or stable key.',
  },
  CONFIG_WIZARD_VARIABLE_NOT_EDITABLE: {
    status: 403,
    hint: 'The variable uses a connection the organization sets; ask them, or set it where the message says.',
  },
  OAUTH2_RETURN_TO_NOT_ALLOWED: {
    status: 422,
    hint: 'Return to a page on Weft’s public origin or an allowed origin (details.allowedOrigins), or leave returnTo out.',
  },

  // Outbound HTTP (egress)

  // Alerting
  ALERT_WEBHOOK_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list alert webhooks with `weft alerts:webhooks:list`.',
  },
  ALERT_WEBHOOK_NAME_TAKEN: { status: 409, hint: 'Use another name, or update the existing alert webhook.' },
  ALERT_GROUP_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list alert groups with `weft alerts:groups:list`.',
  },
  ALERT_GROUP_NAME_TAKEN: { status: 409, hint: 'Use another name, or update the existing alert group.' },
  ALERT_GROUP_MEMBER_UNKNOWN: {
    status: 400,
    hint: 'Name users by id or email (list them with `weft users:list` or `weft customers:users:list`) and webhooks by id or name (`weft alerts:webhooks:list`); details.field says which list.',
  },
  ALERT_MONITOR_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list alert monitors with `weft alerts:monitors:list`.',
  },
  ALERT_MONITOR_INVALID: {
    status: 400,
    hint: "Fix the field named in details.field: each trigger that needs a setting (durationThresholdMs, overdueIntervalSeconds, logLevel) must have it; the flow must be one of the instance's flows.",
  },
  ALERT_EVENT_NOT_FOUND: {
    status: 404,
    hint: "Check the id; list a monitor's events with `weft alerts:events --monitor ID`.",
  },
  ALERT_DELIVERY_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; a delivery can be retried once it has failed (its status is failed).',
  },
  ALERT_TEMPLATE_INVALID: {
    status: 400,
    hint: 'Make the payload template valid JSON (variables like $NAME go inside strings), or write it as plain text that does not start with { or [.',
  },

  // Customers
  CUSTOMER_NOT_FOUND: {
    status: 404,
    hint: 'Check the id or externalId; list customers with `weft customers:list`.',
  },
  CUSTOMER_EXTERNAL_ID_TAKEN: {
    status: 409,
    hint: 'Use another externalId, or update the existing customer.',
  },
  CUSTOMER_NAME_TAKEN: { status: 409, hint: 'Use another name, or update the existing customer.' },

  // Integrations
  INTEGRATION_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list integrations with `weft integrations:list`.',
  },
  INTEGRATION_NAME_TAKEN: {
    status: 409,
    hint: 'Use another name, or pass integrationId (CLI: --integration ID) to update it.',
  },
  INTEGRATION_HAS_INSTANCES: {
    status: 409,
    hint: 'Delete its instances first, or delete with force=true to delete them too.',
  },
  INTEGRATION_HAS_NO_FLOWS: { status: 422, hint: 'Add at least one flow to the draft, then publish.' },
  INTEGRATION_VERSION_NOT_FOUND: {
    status: 404,
    hint: 'Check the version number; list versions with GET /api/integrations/{id}/versions.',
  },
  INTEGRATION_ICON_NOT_FOUND: { status: 404, hint: 'Upload one with PUT /api/integrations/{id}/icon.' },
  INTEGRATION_ICON_TYPE_UNSUPPORTED: {
    status: 415,
    hint: 'Send a PNG, JPEG, SVG, WebP or GIF image with its Content-Type.',
  },
  INTEGRATION_ATTACHMENT_NOT_FOUND: {
    status: 404,
    hint: 'Check the attachment id; list them with GET /api/integrations/{id}/attachments.',
  },
  DEFINITION_INVALID: {
    status: 422,
    hint: 'Fix the problems listed in details.problems (each has a line and column) and import again.',
  },
  BUNDLE_INVALID: {
    status: 422,
    hint: 'Build the bundle again from a project whose entry point exports integration(...) (an integration) or component(...) (a component) as default.',
  },

  // Custom components
  COMPONENT_NOT_FOUND: {
    status: 404,
    hint: 'Check the key; list custom components with `weft components:list`.',
  },
  COMPONENT_VERSION_NOT_FOUND: {
    status: 404,
    hint: 'Check the version; list versions with `weft components:versions KEY`.',
  },
  COMPONENT_KEY_RESERVED: {
    status: 409,
    hint: 'Give the component another key: built-in component keys and the cni- prefix are reserved.',
  },
  COMPONENT_FEATURE_UNSUPPORTED: {
    status: 422,
    hint: 'Remove the properties named from those actions and triggers (or publish a version of the component without them), then publish again.',
  },
  INSTANCE_LIFECYCLE_FAILED: {
    status: 422,
    hint: "Fix what the message names (often the trigger's connection or the provider's answer), then deploy again.",
  },
  WEBHOOKS_STILL_REGISTERED: {
    status: 409,
    hint: 'Delete the instances in details.instanceIds first (DELETE /api/instances/{id}, weft instances:delete ID): each removes its webhooks at the third party, then try again.',
  },
  WEBHOOK_REGISTRATION_FAILED: {
    status: 422,
    hint: "Fix what the message names (often the trigger's connection or the provider's answer), then repeat the operation: only the flows not yet in the wanted state are registered or removed again. GET /api/instances/{id} shows each flow's registration under webhookRegistrations.",
  },
  DATA_SOURCE_FAILED: {
    status: 422,
    hint: "Fix what the message names (often the instance's connection), then ask again.",
  },
  DATA_SOURCE_NOT_AVAILABLE: {
    status: 422,
    hint: 'Ask for a config variable that has a data source (see the integration definition).',
  },

  // Outbound network: the egress guard (@weft/egress). Usually the code of a failed step, data source, connection
  // test or token request rather than an API answer.
  EGRESS_ADDRESS_REFUSED: {
    status: 422,
    hint: 'Use a URL of a public service; if the host named in the message is one Weft should call, ask the operator to add it to WEFT_EGRESS_ALLOW.',
  },
  SANDBOX_NETWORK_UNAVAILABLE: {
    status: 503,
    hint: 'Install util-linux (unshare) and run Weft as root or where unprivileged user namespaces are allowed; or set WEFT_SANDBOX_NETWORK=open to let custom components use the machine network unguarded.',
  },

  INTEGRATION_VERSION_UNAVAILABLE: {
    status: 422,
    hint: 'Pick an available version (GET /api/integrations/{id}/versions), or mark this one available.',
  },
  INTEGRATION_NOT_PUBLISHED: {
    status: 422,
    hint: 'Publish the integration (POST /api/integrations/{id}/publish) or mark a version available.',
  },

  // Instances
  INSTANCE_NOT_FOUND: { status: 404, hint: 'Check the id; list instances with GET /api/instances.' },
  INSTANCE_NAME_TAKEN: {
    status: 409,
    hint: 'Use another name; instance names are unique per customer.',
  },
  INSTANCE_CONFIG_INVALID: {
    status: 422,
    hint: 'Fix the values listed in details.problems and send them again; nothing was stored.',
  },

  INSTANCE_PAUSED: {
    status: 409,
    hint: 'Unpause the instance (POST /api/instances/{id}/unpause), then try again.',
  },
  FLOW_NOT_FOUND: {
    status: 404,
    hint: "Use one of the flow names in details.flows (the instance version's flows).",
  },
  INSTANCE_NOT_DEPLOYED: {
    status: 409,
    hint: 'Deploy the instance (weft instances:deploy ID, or POST /api/instances/{id}/deploy), then try again.',
  },
  INSTANCE_CONFIG_INCOMPLETE: {
    status: 422,
    hint: 'Set the config variables listed in details.missing (weft instances:configure ID --set "Name=value"), then deploy again.',
  },

  // Webhooks
  WEBHOOK_NOT_FOUND: {
    status: 404,
    hint: 'Check the webhook URL; get the current ones with weft instances:flows ID.',
  },
  WEBHOOK_API_KEY_INVALID: {
    status: 401,
    hint: `Send one of the flow's API keys in the Api-Key header: the instance's keys, or the flow's organizationApiKeys for flows secured by the organization (weft instances:flows ID lists them).`,
  },
  WEBHOOK_ORGANIZATION_API_KEYS_MISSING: {
    status: 401,
    hint: 'Add organizationApiKeys to the flow in the integration definition (or choose another endpointSecurityType), publish, and deploy the instances again.',
  },
  WEBHOOK_FLOW_NOT_ROUTED: {
    status: 400,
    hint: `Name the flow as the integration's endpoint configuration expects (details.flowNameField), using one of details.flows.`,
  },
  WEBHOOK_CUSTOMER_NOT_ROUTED: {
    status: 400,
    hint: "Send the customer's external id where the integration's externalCustomerIdField points (details.externalCustomerIdField), or set that field in the integration.",
  },
  WEBHOOK_INSTANCE_NOT_FOUND: {
    status: 404,
    hint: "Check the customer's external id the request carries. The server log, under the request id, says why nothing answers: no such customer, no deployed instance, a paused one, or several running ones (a shared endpoint needs exactly one per customer).",
  },
  WEBHOOK_BUSY: {
    status: 503,
    hint: 'Send the request again after Retry-After seconds; if it keeps happening, raise WEFT_PREPROCESS_CONCURRENCY or run more ingress processes.',
  },
  WEBHOOK_PREPROCESS_FAILED: {
    status: 422,
    hint: "Fix the preprocess flow's step named in the message (details.stepName) or the request it could not handle; on instance-specific endpoints the failed run is execution details.executionId.",
  },
  WEBHOOK_BODY_INVALID: {
    status: 400,
    hint: 'Send a well-formed body for its Content-Type (for multipart/form-data, let the HTTP client build the form: curl --form name=@file).',
  },
  WEBHOOK_PAYLOAD_TOO_LARGE: {
    status: 413,
    hint: 'Send a smaller body, or raise WEFT_WEBHOOK_BODY_LIMIT on the server.',
  },
  EXECUTION_FAILED: {
    status: 500,
    hint: 'See the execution for the failing step and its logs: weft executions:show ID (details.executionId).',
  },
  SYNC_EXECUTION_TIMEOUT: {
    status: 504,
    hint: 'The execution goes on: follow it with GET /api/executions/{details.executionId} (weft executions:show ID).',
  },

  // Executions
  EXECUTION_NOT_FOUND: {
    status: 404,
    hint: 'Check the execution id; it is the executionId a test run or webhook answered with.',
  },
  EXECUTION_FILE_NOT_FOUND: {
    status: 404,
    hint: 'Take the sha256 from a {"$binary": {"sha256": …}} mark in the execution\'s step results or response; files of executions deleted by retention are gone with them.',
  },
  EXECUTION_NOT_CANCELLABLE: {
    status: 409,
    hint: 'Only queued or running executions can be cancelled; this one has already finished.',
  },

  // Connections and OAuth 2.0
  CONNECTION_NOT_FOUND: {
    status: 404,
    hint: 'Check the id or stable key; list connections with `weft connections:list`.',
  },
  CONNECTION_STABLE_KEY_TAKEN: {
    status: 409,
    hint: 'Use another stableKey, or update the existing connection.',
  },
  CONNECTION_DEFINITION_NOT_FOUND: {
    status: 422,
    hint: 'Name a component and one of its connections (details.available lists them).',
  },
  CONNECTION_INPUTS_INVALID: {
    status: 422,
    hint: 'Fix the inputs listed in details.problems (required ones need a value; unknown ones are refused).',
  },
  CONNECTION_NOT_AUTHORIZABLE: {
    status: 409,
    hint: 'Only OAuth 2.0 authorization code connections are authorized in a browser; set the other kinds with their inputs.',
  },
  OAUTH2_STATE_INVALID: {
    status: 400,
    hint: 'Start the authorization again (weft instances:authorize or weft connections:authorize): a state is single use and expires after 10 minutes.',
  },
  OAUTH2_AUTHORIZATION_FAILED: {
    status: 502,
    hint: 'Read details.providerError; check the client id, secret, scopes and redirect URI registered with the provider, then authorize again.',
  },
  SECRET_UNREADABLE: {
    status: 500,
    hint: 'The stored value was altered or sealed under a key this database no longer has; set the credentials again.',
  },

  // Event webhooks
  EVENT_WEBHOOK_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list event webhooks with `weft event-webhooks:list`.',
  },
  EVENT_WEBHOOK_NAME_TAKEN: { status: 409, hint: 'Use another name, or update the existing event webhook.' },
  EVENT_WEBHOOK_DELIVERY_NOT_FOUND: {
    status: 404,
    hint: "Check the ids; list the webhook's deliveries with `weft event-webhooks:deliveries ID`.",
  },
  EVENT_WEBHOOK_DELIVERY_NOT_FAILED: {
    status: 409,
    hint: 'Only failed deliveries are retried; a pending one is tried again at its nextAttemptAt without being asked.',
  },

  // Log streams
  LOG_STREAM_NOT_FOUND: {
    status: 404,
    hint: 'Check the id; list log streams with `weft log-streams:list`.',
  },
  LOG_STREAM_NAME_TAKEN: { status: 409, hint: 'Use another name, or update the existing log stream.' },
  LOG_STREAM_TEMPLATE_INVALID: {
    status: 400,
    hint: 'Fix the payload template at details.line and details.column: placeholders are {{ name }}, and a template starting with { or [ must be JSON with each placeholder written where a value goes.',
  },

  // API tokens
  TOKEN_NOT_FOUND: { status: 404, hint: 'Check the token id; list tokens with `weft tokens:list`.' },
  TOKEN_ROLE_NOT_GRANTABLE: { status: 403, hint: 'Create tokens with a role no higher than your own.' },
  TOKEN_LAST_OWNER: { status: 409, hint: 'Create another owner token before revoking this one.' },

  // Start-up and operations (the process stops with these; they are never HTTP answers)
  CONFIG_INVALID: { status: 500, hint: 'Fix the settings listed above and start again.' },
  DATA_DIR_LOCKED: { status: 500, hint: 'Stop the other Weft process, or choose another WEFT_DATA_DIR.' },
  DATA_DIR_UNUSABLE: { status: 500, hint: 'Make WEFT_DATA_DIR a writable directory, or point it elsewhere.' },
  PORT_IN_USE: { status: 500, hint: 'Stop what listens on that port, or set WEFT_PORT to a free one.' },
  DATABASE_START_FAILED: {
    status: 500,
    hint: 'Read the PostgreSQL output above; check disk space and permissions.',
  },
  DATABASE_UNREACHABLE: {
    status: 500,
    hint: 'Check DATABASE_URL: host, port, user, password and database name.',
  },
  DATABASE_SCHEMA_NEWER: { status: 500, hint: 'Upgrade Weft to the version that migrated this database.' },
  MIGRATION_FAILED: {
    status: 500,
    hint: 'Read the error above; the run was rolled back as a whole, so the schema is as it was before it.',
  },
  ENCRYPTION_KEY_INVALID: {
    status: 500,
    hint: 'Set WEFT_ENCRYPTION_KEY to 32 bytes as base64 or 64 hex digits (openssl rand -base64 32), or restore the key file.',
  },
  ENCRYPTION_KEY_MISMATCH: {
    status: 500,
    hint: 'Start with the master key this database was set up with (WEFT_ENCRYPTION_KEY, or WEFT_ENCRYPTION_PREVIOUS_KEYS during a rotation).',
  },
  DATABASE_NOT_INITIALIZED: {
    status: 500,
    hint: 'Start Weft once (`npm start`) to create the organization, then try again.',
  },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof errorCatalog;

/** An error a user can act on: a stable code, a message that says what is wrong, and details for machines. */
export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'WeftError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.details = details;
  }

  /** What the user can do about it. */
  get hint(): string {
    return errorCatalog[this.code].hint;
  }
}

export function isWeftError(value: unknown): value is WeftError {
  return value instanceof WeftError;
}

// Not-found answers, shared by the domains that look the same things up (an id outside the caller's scope is a 404).

export function integrationNotFound(id: string): WeftError {
  return new WeftError('INTEGRATION_NOT_FOUND', `No integration with id '${id}' in your organization.`);
}

export function versionNotFound(integrationName: string, versionNumber: number): WeftError {
  return new WeftError(
    'INTEGRATION_VERSION_NOT_FOUND',
    `Integration '${integrationName}' has no version ${versionNumber}.`,
  );
}

export function instanceNotFound(id: string): WeftError {
  return new WeftError('INSTANCE_NOT_FOUND', `No instance with id '${id}' in your organization.`);
}

export function executionNotFound(id: string): WeftError {
  return new WeftError('EXECUTION_NOT_FOUND', `No execution with id '${id}' in your organization.`);
}

export function customerNotFound(what: string): WeftError {
  return new WeftError('CUSTOMER_NOT_FOUND', `No customer with ${what} in your organization.`);
}

export function tokenNotFound(id: string): WeftError {
  return new WeftError('TOKEN_NOT_FOUND', `No API token with id '${id}' in your organization.`);
}
