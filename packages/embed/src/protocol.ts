/**
 * The message protocol between `@weft/embed` (in the organization's app, the "host") and Weft's embedded pages (in
 * an iframe the SDK creates, the "frame"). One source for both sides: `@weft/web` imports these types and guards.
 *
 * Every message is an envelope `{ns: 'weft-embed', v, type, frameId, ...}`. `v` is the protocol version of the
 * sender; a receiver accepts every version it knows (`SUPPORTED_PROTOCOL_VERSIONS`) and ignores the fields it does
 * not, so an old SDK and a newer Weft still talk. `frameId` is the id the SDK gave the iframe (in its URL: not a
 * secret), so one host page can run several frames.
 *
 * Handshake (no polling; survives a reload of the frame):
 *   frame → host  `hello`        the only message sent to `'*'`: it carries no secret. The SDK accepts it only from
 *                                its own iframe's window (`event.source`) and Weft's origin (`event.origin`).
 *   host  → frame `init`         sent to Weft's exact origin: the JWT, theme, translations, filters, screen options.
 *   frame → host  `ready`        signed in (the frame keeps the JWT in memory, never in a cookie, storage or URL)
 *              or `auth_failed`  with the API's error code and message.
 * Then, either way:
 *   host  → frame `token`        a fresh JWT (the host called `authenticate` again, or `fetchToken` answered).
 *                                The frame answers it as it answers `init`, `ready` (with the new `expiresAt`) or
 *                                `auth_failed`: that answer is how `authenticate()` knows every frame took it.
 *   frame → host  `token_expiring` the JWT expires soon; the SDK calls the host's `fetchToken`, if it gave one.
 *   host  → frame `set_config_vars` values for the open config wizard (`setConfigVars`).
 *   frame → host  `resize`       the page's height, when the host asked for `autoHeight`.
 *   frame → host  `close`        the frame is done (a wizard closed inside a popover).
 *   frame → host  `event`        what happened, for the host's listeners: `{event, data}` at the top level, in the
 *                                shape Prismatic's embedded SDK posts, so host code written for it ports unchanged.
 *
 * After the handshake each side sends only to the other's exact origin, and checks `event.source` and
 * `event.origin` of everything it receives.
 */

export const PROTOCOL_NAMESPACE = 'weft-embed';
/** The version this build speaks. */
export const PROTOCOL_VERSION = 1;
/** The versions this build understands. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** The screens the SDK can open; each is `/embedded/<screen>` on Weft. */
export type EmbeddedScreen = 'marketplace' | 'configure' | 'connections' | 'dashboard' | 'logs';
export const EMBEDDED_SCREENS: readonly EmbeddedScreen[] = [
  'marketplace',
  'configure',
  'connections',
  'dashboard',
  'logs',
];
/** The path of the embedded pages on Weft's origin. */
export const EMBEDDED_BASE_PATH = '/embedded';

/**
 * The query of an embedded page's URL, `<weft>/embedded/<screen>?frame=…&sdk=…&theme=…`. Nothing in it is a secret
 * (the token travels only in `init` and `token` messages); everything else the frame needs comes with `init`.
 */
export interface EmbeddedPageQuery {
  /** The `frameId` of every message to and from this frame. */
  frame: string;
  /** The SDK's version. */
  sdk: string;
  /** The theme's mode, so the page paints in the right colours before `init` arrives. */
  theme: 'light' | 'dark';
  /** `configure` only, exactly one of these three: a new instance of the integration with this name, */
  integration?: string;
  /** or of the integration with this id, */
  integrationId?: string;
  /** or the existing instance with this id. */
  instance?: string;
  /** `configure` only: `true` to stay in the wizard after the customer removes the instance. */
  skipRedirectOnRemove?: 'true';
}

/** The events the host can listen to (Prismatic's names, so host code ports). */
export const WeftMessageEvent = {
  INSTANCE_CREATED: 'INSTANCE_CREATED',
  INSTANCE_CONFIGURATION_OPENED: 'INSTANCE_CONFIGURATION_OPENED',
  INSTANCE_CONFIGURATION_LOADED: 'INSTANCE_CONFIGURATION_LOADED',
  INSTANCE_CONFIGURATION_PAGE_LOADED: 'INSTANCE_CONFIGURATION_PAGE_LOADED',
  INSTANCE_CONFIGURATION_CANCELED: 'INSTANCE_CONFIGURATION_CANCELED',
  INSTANCE_CONFIGURATION_CLOSED: 'INSTANCE_CONFIGURATION_CLOSED',
  INSTANCE_DEPLOYED: 'INSTANCE_DEPLOYED',
  INSTANCE_DELETED: 'INSTANCE_DELETED',
  POPOVER_CLOSED: 'POPOVER_CLOSED',
} as const;
export type WeftMessageEvent = (typeof WeftMessageEvent)[keyof typeof WeftMessageEvent];

/** What every instance event says about the instance it is about. */
export interface InstanceEventData {
  customerId: string;
  customerName: string;
  integrationName: string;
  integrationVersionNumber: number;
  instanceId: string;
  instanceName: string;
  /** The wizard was opened by a user who may not change it (a marketplace user, not an admin). */
  readOnly: boolean;
}

export interface InstanceConfigurationPageData extends InstanceConfigurationLoadedData {
  /** The page's name, as the integration's `configPages` names it. */
  pageName: string;
  /** The page's values as they stand, by config variable name (secrets withheld). */
  pageContent: Record<string, unknown>;
}

/** A config variable as `INSTANCE_CONFIGURATION_LOADED` reports it (secrets withheld), by name. */
export interface ConfigVarSummary {
  dataType: string;
  value: unknown;
  collectionType: 'valuelist' | 'keyvaluelist' | null;
  pickList: string[] | null;
  codeLanguage: string | null;
  /** Connections: `{inputs: {key: {value}}, status}` as Prismatic reports them. */
  inputs?: Record<string, { value: unknown }>;
  status?: 'ACTIVE' | 'ERROR' | 'PENDING';
}

export interface InstanceConfigurationLoadedData extends InstanceEventData {
  configVars: Record<string, ConfigVarSummary>;
}

/** Payload of each event, by event name. */
export interface WeftEventDataMap {
  INSTANCE_CREATED: InstanceEventData;
  INSTANCE_CONFIGURATION_OPENED: InstanceEventData;
  INSTANCE_CONFIGURATION_LOADED: InstanceConfigurationLoadedData;
  INSTANCE_CONFIGURATION_PAGE_LOADED: InstanceConfigurationPageData;
  INSTANCE_CONFIGURATION_CANCELED: InstanceEventData;
  INSTANCE_CONFIGURATION_CLOSED: InstanceEventData;
  INSTANCE_DEPLOYED: InstanceEventData;
  INSTANCE_DELETED: InstanceEventData;
  POPOVER_CLOSED: Record<string, never>;
}

/** Colours, font and corner radius of the embedded pages (each optional: the organization's theme fills the rest). */
export interface EmbedTheme {
  /** `light` (default) or `dark`. */
  mode?: 'light' | 'dark';
  /** Buttons, links, focus rings: a CSS colour. */
  primary?: string;
  /** Text on the primary colour. */
  primaryText?: string;
  background?: string;
  surface?: string;
  text?: string;
  mutedText?: string;
  border?: string;
  danger?: string;
  success?: string;
  /** CSS `font-family` of every text. */
  fontFamily?: string;
  /** Corner radius: a CSS length (`6px`). */
  radius?: string;
}

/**
 * What each theme value may look like (both sides check: the server when an organization saves its theme, the
 * frame when a host sends one). Values become CSS custom properties, so anything else is refused, not escaped.
 */
export const themeValuePatterns = {
  color: '^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\\([0-9.,%\\s/deg]{1,60}\\)|[a-zA-Z]{3,30})$',
  fontFamily: '^[A-Za-z0-9 ,\'"_-]{1,200}$',
  radius: '^(0|[0-9]{1,3}(\\.[0-9]{1,2})?(px|rem|em))$',
} as const;

/** Which pattern each theme key follows (`mode` is `light` or `dark`). */
export const themeKeyKinds: Record<Exclude<keyof EmbedTheme, 'mode'>, keyof typeof themeValuePatterns> = {
  primary: 'color',
  primaryText: 'color',
  background: 'color',
  surface: 'color',
  text: 'color',
  mutedText: 'color',
  border: 'color',
  danger: 'color',
  success: 'color',
  fontFamily: 'fontFamily',
  radius: 'radius',
};

/** Strings of the embedded pages, by key (see the web package's dictionary for every key and its English text). */
export interface EmbedTranslation {
  /** A BCP 47 language tag for dates and numbers (`fr-FR`); the browser's by default. */
  locale?: string;
  /** Overrides by key; `{name}` placeholders are filled in. */
  phrases?: Record<string, string>;
  /** Show each string's key instead of its text, to find the key to override. */
  debugMode?: boolean;
}

/** Which integrations the marketplace lists. */
export interface MarketplaceFilters {
  category?: string;
  /** Only integrations with every one of these labels. */
  labels?: string[];
  /** Text the search box starts with. */
  search?: string;
  /** Also list unlisted integrations the customer has an instance of. */
  includeActive?: boolean;
}

/** How the screens behave (each optional). */
export interface ScreenConfiguration {
  marketplace?: {
    /** `allow-details` (default): a card opens the integration's page; `always-show-details`: also after an
     *  activation; `disallow-details`: activate from the card only. */
    configuration?: 'allow-details' | 'always-show-details' | 'disallow-details';
    hideSearch?: boolean;
    /** Hide integrations the customer has not activated yet. */
    hideInactive?: boolean;
  };
  configureInstance?: {
    /** Hide the "back to marketplace" link in the wizard. */
    hideBackToMarketplace?: boolean;
  };
}

/**
 * Config variable values `setConfigVars` pushes into the open wizard, by variable name, in Prismatic's shapes:
 * `{value}` (a list is an array, a key/value list `[{key, value}]`), a schedule `{value, scheduleType, timeZone}`,
 * a connection `{inputs: {inputKey: {value}}}`.
 */
export type ConfigVarValue =
  | { value: unknown; scheduleType?: string; timeZone?: string }
  | { inputs: Record<string, { value: unknown }> };
export type ConfigVarValues = Record<string, ConfigVarValue>;

/** What the host sends with `init`. */
export interface InitPayload {
  sdkVersion: string;
  token: string;
  theme?: EmbedTheme;
  translation?: EmbedTranslation;
  screenConfiguration?: ScreenConfiguration;
  filters?: MarketplaceFilters;
  /** Post `resize` messages with the page's height. */
  autoHeight?: boolean;
  /** The frame is shown in the SDK's popover (it offers a close button and sends `close`). */
  inPopover?: boolean;
  /** Values to lay over the wizard's once it loads. */
  configVars?: ConfigVarValues;
}

interface EnvelopeBase<T extends string> {
  ns: typeof PROTOCOL_NAMESPACE;
  v: number;
  type: T;
  frameId: string;
}

export type HelloMessage = EnvelopeBase<'hello'> & { appVersion: string; protocolVersions: number[] };
export type InitMessage = EnvelopeBase<'init'> & { payload: InitPayload };
export type TokenMessage = EnvelopeBase<'token'> & { payload: { token: string } };
export type SetConfigVarsMessage = EnvelopeBase<'set_config_vars'> & {
  payload: { configVars: ConfigVarValues };
};
export type ReadyMessage = EnvelopeBase<'ready'> & {
  payload: {
    appVersion: string;
    customer: { id: string; externalId: string; name: string };
    user: { id: string; externalId: string; name: string | null; role: string };
    /** When the JWT expires (ISO 8601). */
    expiresAt: string | null;
  };
};
export type AuthFailedMessage = EnvelopeBase<'auth_failed'> & { payload: { code: string; message: string } };
export type TokenExpiringMessage = EnvelopeBase<'token_expiring'> & { payload: { expiresAt: string } };
export type ResizeMessage = EnvelopeBase<'resize'> & { payload: { height: number } };
export type CloseMessage = EnvelopeBase<'close'> & { payload: Record<string, never> };
export type EventMessage = {
  [E in keyof WeftEventDataMap]: EnvelopeBase<'event'> & { event: E; data: WeftEventDataMap[E] };
}[keyof WeftEventDataMap];

export type HostToFrameMessage = InitMessage | TokenMessage | SetConfigVarsMessage;
export type FrameToHostMessage =
  | HelloMessage
  | ReadyMessage
  | AuthFailedMessage
  | TokenExpiringMessage
  | ResizeMessage
  | CloseMessage
  | EventMessage;

const hostTypes = new Set(['init', 'token', 'set_config_vars']);
const frameTypes = new Set(['hello', 'ready', 'auth_failed', 'token_expiring', 'resize', 'close', 'event']);

function isEnvelope(data: unknown): data is EnvelopeBase<string> {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Partial<EnvelopeBase<string>>;
  return (
    message.ns === PROTOCOL_NAMESPACE &&
    typeof message.v === 'number' &&
    SUPPORTED_PROTOCOL_VERSIONS.includes(message.v) &&
    typeof message.type === 'string' &&
    typeof message.frameId === 'string'
  );
}

/** A message the host may send (shape only: the receiver still checks source and origin). */
export function isHostToFrameMessage(data: unknown): data is HostToFrameMessage {
  return isEnvelope(data) && hostTypes.has(data.type);
}

/** A message a frame may send (shape only: the receiver still checks source and origin). */
export function isFrameToHostMessage(data: unknown): data is FrameToHostMessage {
  return isEnvelope(data) && frameTypes.has(data.type);
}

/** Builds an envelope of this protocol version. */
export function envelope<T extends string>(type: T, frameId: string): EnvelopeBase<T> {
  return { ns: PROTOCOL_NAMESPACE, v: PROTOCOL_VERSION, type, frameId };
}
