/**
 * `@weft/embed`: shows Weft's embedded pages (marketplace, config wizard, connections, dashboard, logs) inside an
 * organization's own app, for the customer user the app signed in with its own JWT. Each page runs in an iframe
 * served by Weft; this module creates the iframes and speaks the message protocol of `./protocol.ts` with them.
 *
 * Security, in short: the token lives in this module's memory and reaches a frame only by `postMessage` to Weft's
 * exact origin after the frame said `hello`; it is never in a URL. A message counts only when it comes from the
 * window of an iframe we created, from an allowed origin, with that iframe's `frameId`.
 *
 * The calls mirror Prismatic's `@prismatic-io/embedded` (init, authenticate, show*, configureInstance,
 * setConfigVars, getMessageIframe, dispose) so code written for it ports by renaming the import.
 */
import { WeftEmbedError } from './errors.js';
import {
  type ConfigVarValues,
  EMBEDDED_BASE_PATH,
  type EmbeddedScreen,
  type EmbedTheme,
  type EmbedTranslation,
  envelope,
  type FrameToHostMessage,
  type HostToFrameMessage,
  type InitPayload,
  isFrameToHostMessage,
  type MarketplaceFilters,
  type ReadyMessage,
  type ScreenConfiguration,
  type WeftEventDataMap,
  WeftMessageEvent,
} from './protocol.js';
import { STYLES } from './styles.js';
import { isJwtShaped, jwtExpiresAt } from './token.js';
import { SDK_VERSION } from './version.js';

export { WeftEmbedError, type WeftEmbedErrorCode } from './errors.js';
export type {
  ConfigVarValues,
  EmbeddedScreen,
  EmbedTheme,
  EmbedTranslation,
  InstanceConfigurationPageData,
  InstanceEventData,
  MarketplaceFilters,
  ScreenConfiguration,
  WeftEventDataMap,
} from './protocol.js';
export { SDK_VERSION, WeftMessageEvent };
/** Prismatic's name for the same events, so `PrismaticMessageEvent.INSTANCE_CREATED` keeps working. */
export const PrismaticMessageEvent = WeftMessageEvent;
export type PrismaticMessageEvent = WeftMessageEvent;

/** A theme object, or Prismatic's shorthands: `INHERIT` leaves the organization's theme as it is. */
export type EmbedThemeOption = EmbedTheme | 'LIGHT' | 'DARK' | 'INHERIT';

export interface InitOptions {
  /** Weft's base URL (`https://weft.example.com`); the pages are under `<url>/embedded/`. */
  url?: string;
  /** Prismatic's name for `url`. */
  prismaticUrl?: string;
  theme?: EmbedThemeOption;
  translation?: EmbedTranslation;
  screenConfiguration?: ScreenConfiguration;
  /** Returns a fresh JWT from the host's backend; called shortly before the token expires. */
  fetchToken?: () => Promise<string>;
  /** Origins a frame may answer from; by default only `url`'s. */
  allowedOrigins?: string[];
  /** How long a frame has to finish the handshake (and to acknowledge a new token); 15 000 ms by default. */
  handshakeTimeoutMs?: number;
  /** Let every frame set its iframe's height to its content's (the default of each screen's `autoHeight`). */
  autoHeight?: boolean;
  /** Nonce for the injected <style>, for hosts whose Content-Security-Policy `style-src` uses nonces. */
  styleNonce?: string;
}

export interface ShowOptions {
  /** CSS selector of the element the iframe replaces the content of. Without it, the screen opens in a popover. */
  selector?: string;
  usePopover?: boolean;
  autoHeight?: boolean;
  /** Overrides `init`'s, for this screen. */
  theme?: EmbedThemeOption;
  translation?: EmbedTranslation;
  screenConfiguration?: ScreenConfiguration;
  /** The iframe's accessible name (and the popover's heading); the screen's English name by default. */
  title?: string;
}

export interface MarketplaceOptions extends ShowOptions {
  filters?: MarketplaceFilters;
}

/** Exactly one of `integrationName`, `integrationId`, `instanceId`. */
export interface ConfigureInstanceOptions extends ShowOptions {
  integrationName?: string;
  integrationId?: string;
  instanceId?: string;
  /** After the customer removes the instance, stay in the wizard instead of going back to the marketplace. */
  skipRedirectOnRemove?: boolean;
}

export interface SetConfigVarsOptions {
  /** The element holding the frame (or the iframe itself); by default the most recently opened config wizard. */
  selector?: string;
  iframe?: HTMLIFrameElement;
  configVars: ConfigVarValues;
}

export type ReadyPayload = ReadyMessage['payload'];

/** Which frame an event came from. */
export interface FrameContext {
  frameId: string;
  iframe: HTMLIFrameElement;
}

export type WeftEventHandler<E extends WeftMessageEvent> = (
  data: WeftEventDataMap[E],
  context: FrameContext,
) => void;

/** One open screen. */
export interface WeftFrame {
  readonly frameId: string;
  readonly iframe: HTMLIFrameElement;
  /** Resolves when Weft signed the user in; rejects with a `WeftEmbedError` (`EMBED_AUTH_FAILED`,
   *  `EMBED_HANDSHAKE_TIMEOUT`, `EMBED_FRAME_CLOSED`). */
  readonly ready: Promise<ReadyPayload>;
  /** Removes the iframe (closes the popover when it is in it). */
  close(): void;
  /** Listens to this frame's events; returns the function that stops listening. */
  on<E extends WeftMessageEvent>(event: E, handler: WeftEventHandler<E>): () => void;
}

type AnyHandler = (data: unknown, context: FrameContext) => void;
type Listeners = Map<string, Set<AnyHandler>>;

/** A promise with its settle functions, settled with an error when no answer came in time. */
interface Pending<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: WeftEmbedError): void;
}

interface FrameRecord {
  id: string;
  screen: EmbeddedScreen;
  iframe: HTMLIFrameElement;
  title: string;
  inPopover: boolean;
  autoHeight: boolean;
  theme: EmbedTheme | undefined;
  translation: EmbedTranslation | undefined;
  screenConfiguration: ScreenConfiguration | undefined;
  filters: MarketplaceFilters | undefined;
  /** Every value `setConfigVars` gave, sent again with `init` if the frame reloads. */
  configVars: ConfigVarValues | undefined;
  /** `configVars` changed since the frame last got them. */
  configVarsUnsent: boolean;
  /** The origin that said `hello`: every later message must come from it and every send goes to it. */
  origin: string | undefined;
  /** The token in the last `init` or `token` we sent. */
  tokenSent: string | undefined;
  /** Signed in: the last answer to `init` or `token` was `ready`. */
  isReady: boolean;
  ready: Pending<ReadyPayload>;
  /** `authenticate` calls waiting for this frame to take their token. */
  tokenAcks: Pending<void>[];
  listeners: Listeners;
}

interface State {
  baseUrl: string;
  allowedOrigins: string[];
  handshakeTimeoutMs: number;
  autoHeight: boolean;
  theme: EmbedTheme | undefined;
  translation: EmbedTranslation | undefined;
  screenConfiguration: ScreenConfiguration | undefined;
  fetchToken: (() => Promise<string>) | undefined;
  token: string | undefined;
  refreshTimer: ReturnType<typeof setTimeout> | undefined;
  refreshing: boolean;
  /** Insertion-ordered, so "the most recent configure frame" is the last one. */
  frames: Map<string, FrameRecord>;
  listeners: Listeners;
  controller: AbortController;
  observer: MutationObserver | undefined;
  style: HTMLStyleElement;
  overlay: HTMLDivElement;
  heading: HTMLHeadingElement;
  closeButton: HTMLButtonElement;
  popoverBody: HTMLDivElement;
  popoverFrame: FrameRecord | undefined;
  focusBeforePopover: Element | null;
  versionWarned: boolean;
}

const SCREEN_TITLES: Record<EmbeddedScreen, string> = {
  marketplace: 'Marketplace',
  configure: 'Configure integration',
  connections: 'Connections',
  dashboard: 'Dashboard',
  logs: 'Logs',
};
/** Beyond this, a `resize` is a bug or an attack on the host's layout, not a page height. */
const MAX_HEIGHT = 100_000;
/** Ask for a new token this long before the current one expires. */
const REFRESH_MARGIN_MS = 60_000;
const LOG_PREFIX = '[weft-embed]';

let state: State | undefined;

function fail(code: WeftEmbedError['code'], message: string): never {
  throw new WeftEmbedError(code, message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function current(call: string): State {
  return state ?? fail('EMBED_NOT_INITIALIZED', `${call}: call init({ url }) first`);
}

function pending<T>(timeoutMs: number, onTimeout: () => WeftEmbedError): Pending<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: WeftEmbedError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  const stop = () => clearTimeout(timer);
  promise.then(stop, stop);
  return { promise, resolve, reject };
}

function normalizeTheme(theme: unknown, call: string): EmbedTheme | undefined {
  if (theme === undefined || theme === 'INHERIT') return undefined;
  if (theme === 'LIGHT' || theme === 'DARK') return { mode: theme === 'DARK' ? 'dark' : 'light' };
  if (isObject(theme)) return theme;
  return fail('EMBED_INVALID_OPTIONS', `${call}: theme must be 'LIGHT', 'DARK', 'INHERIT' or a theme object`);
}

function merge<T extends object>(base: T | undefined, override: T | undefined): T | undefined {
  return base && override ? { ...base, ...override } : (override ?? base);
}

/** Weft's base URL without a trailing slash, refusing what would break the iframe URL or leak a secret. */
function parseBaseUrl(raw: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' ? new URL(raw) : undefined;
  } catch {
    // reported below, with the value
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    fail(
      'EMBED_INVALID_URL',
      `init: url must be Weft's http(s) base URL, got ${JSON.stringify(raw) ?? 'nothing'}`,
    );
  }
  if (url.username || url.password) fail('EMBED_INVALID_URL', 'init: url must not contain credentials');
  if (url.search || url.hash) fail('EMBED_INVALID_URL', 'init: url must not have a query or a fragment');
  return url;
}

function parseOrigin(raw: unknown): string {
  try {
    if (typeof raw === 'string') {
      const url = new URL(raw);
      if (raw.replace(/\/$/, '') === url.origin) return url.origin;
    }
  } catch {
    // reported below
  }
  return fail('EMBED_INVALID_OPTIONS', `init: allowedOrigins holds ${JSON.stringify(raw)}, not an origin`);
}

/** Sets up the SDK (again, after disposing what a previous `init` made). */
export function init(options: InitOptions): void {
  if (typeof options !== 'object' || options === null) {
    fail('EMBED_INVALID_OPTIONS', 'init: pass an options object: init({ url })');
  }
  const url = parseBaseUrl(options.url ?? options.prismaticUrl);
  const theme = normalizeTheme(options.theme, 'init');
  const { fetchToken, allowedOrigins, handshakeTimeoutMs = 15_000, styleNonce } = options;
  if (fetchToken !== undefined && typeof fetchToken !== 'function') {
    fail('EMBED_INVALID_OPTIONS', 'init: fetchToken must be a function returning a promise of a JWT');
  }
  if (allowedOrigins !== undefined && (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0)) {
    fail('EMBED_INVALID_OPTIONS', 'init: allowedOrigins must be a non-empty array of origins');
  }
  if (
    typeof handshakeTimeoutMs !== 'number' ||
    !(handshakeTimeoutMs > 0) ||
    handshakeTimeoutMs > 2 ** 31 - 1
  ) {
    fail('EMBED_INVALID_OPTIONS', 'init: handshakeTimeoutMs must be a positive number of milliseconds');
  }
  const origins = allowedOrigins ? allowedOrigins.map(parseOrigin) : [url.origin];
  if (typeof document === 'undefined') {
    fail(
      'EMBED_NO_DOCUMENT',
      'init: there is no document here (server-side rendering?): call init in the browser',
    );
  }
  dispose();

  const controller = new AbortController();
  const { signal } = controller;
  const style = document.createElement('style');
  if (styleNonce) style.nonce = styleNonce;
  style.textContent = STYLES;
  (document.head ?? document.documentElement).append(style);

  const overlay = document.createElement('div');
  overlay.className = 'weft-embed__overlay';
  overlay.hidden = true;
  const dialog = document.createElement('div');
  dialog.className = 'weft-embed__dialog';
  dialog.setAttribute('role', 'dialog');
  dialog.setAttribute('aria-modal', 'true');
  dialog.setAttribute('aria-labelledby', 'weft-embed-heading');
  const bar = document.createElement('div');
  bar.className = 'weft-embed__bar';
  const heading = document.createElement('h2');
  heading.className = 'weft-embed__title';
  heading.id = 'weft-embed-heading';
  const closeButton = document.createElement('button');
  closeButton.type = 'button';
  closeButton.className = 'weft-embed__close';
  closeButton.setAttribute('aria-label', 'Close');
  closeButton.textContent = '×';
  const popoverBody = document.createElement('div');
  popoverBody.className = 'weft-embed__body';
  bar.append(heading, closeButton);
  dialog.append(bar, popoverBody);
  overlay.append(dialog);
  (document.body ?? document.documentElement).append(overlay);

  const s: State = {
    baseUrl: url.origin + url.pathname.replace(/\/+$/, ''),
    allowedOrigins: origins,
    handshakeTimeoutMs,
    autoHeight: options.autoHeight === true,
    theme,
    translation: options.translation,
    screenConfiguration: options.screenConfiguration,
    fetchToken,
    token: undefined,
    refreshTimer: undefined,
    refreshing: false,
    frames: new Map(),
    listeners: new Map(),
    controller,
    observer: undefined,
    style,
    overlay,
    heading,
    closeButton,
    popoverBody,
    popoverFrame: undefined,
    focusBeforePopover: null,
    versionWarned: false,
  };
  state = s;

  // Listening starts here, before any iframe exists, so no `hello` can be missed.
  window.addEventListener('message', (event) => onMessage(s, event), { signal });
  closeButton.addEventListener('click', () => closePopover(s), { signal });
  document.addEventListener(
    'keydown',
    (event) => {
      if (event.key === 'Escape' && s.popoverFrame) {
        event.preventDefault();
        closePopover(s);
      }
    },
    { signal, capture: true },
  );
  // The popover is modal: focus that wanders out to the host page comes back into the dialog.
  document.addEventListener(
    'focusin',
    (event) => {
      if (s.popoverFrame && event.target instanceof Node && !overlay.contains(event.target))
        closeButton.focus();
    },
    { signal },
  );
}

/**
 * Gives the SDK the customer user's JWT (kept in memory only) and pushes it into every signed-in frame. Resolves
 * when each of those frames has taken it (immediately when there are none); rejects with `EMBED_AUTH_FAILED` when
 * Weft refuses it.
 */
export function authenticate(options: { token: string }): Promise<void> {
  const s = current('authenticate');
  const token = isObject(options) ? options.token : undefined;
  if (!isJwtShaped(token)) {
    fail(
      'EMBED_INVALID_TOKEN',
      'authenticate: token must be a JWT (three base64url parts separated by dots)',
    );
  }
  s.token = token;
  scheduleRefresh(s, token);
  const acks: Promise<void>[] = [];
  for (const frame of s.frames.values()) {
    if (!frame.isReady) continue; // a frame still in its handshake gets the new token once it is ready
    const ack = pending<void>(s.handshakeTimeoutMs, () => timeoutError(s, 'acknowledge the new token'));
    frame.tokenAcks.push(ack);
    acks.push(ack.promise);
    sendToken(frame);
  }
  return Promise.all(acks).then(() => undefined);
}

function scheduleRefresh(s: State, token: string): void {
  clearTimeout(s.refreshTimer);
  const expiresAt = jwtExpiresAt(token);
  if (!s.fetchToken || expiresAt === undefined) return;
  const left = expiresAt - Date.now();
  // Half the time left for short-lived tokens, so a host that always mints 30 s tokens is not called in a loop.
  const delay = Math.max(left - REFRESH_MARGIN_MS, left / 2);
  if (left > 0 && delay < 2 ** 31) s.refreshTimer = setTimeout(() => refreshToken(s), delay);
}

function refreshToken(s: State): void {
  if (!s.fetchToken || s.refreshing) return;
  s.refreshing = true;
  s.fetchToken()
    .then((token) => (state === s ? authenticate({ token }) : undefined))
    .catch((error: unknown) => {
      // The message only: the error is the host's, or ours, and neither carries the token.
      if (state === s) console.warn(LOG_PREFIX, 'could not refresh the token:', describe(error));
    })
    .finally(() => {
      s.refreshing = false;
    });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

function timeoutError(s: State, what: string): WeftEmbedError {
  return new WeftEmbedError(
    'EMBED_HANDSHAKE_TIMEOUT',
    `The Weft frame did not ${what} within ${s.handshakeTimeoutMs} ms. Check that ${s.baseUrl}${EMBEDDED_BASE_PATH} ` +
      `loads, that it answers from one of [${s.allowedOrigins.join(', ')}], and that Weft's allowed origins ` +
      `include this page's (${location.origin}).`,
  );
}

function post(frame: FrameRecord, message: HostToFrameMessage): void {
  // Only ever to the exact origin that said hello (checked against allowedOrigins), never '*'.
  if (frame.origin) frame.iframe.contentWindow?.postMessage(message, frame.origin);
}

function sendToken(frame: FrameRecord): void {
  const token = state?.token;
  if (!token) return;
  frame.tokenSent = token;
  post(frame, { ...envelope('token', frame.id), payload: { token } });
}

function sendConfigVars(frame: FrameRecord): void {
  frame.configVarsUnsent = false;
  if (frame.configVars)
    post(frame, { ...envelope('set_config_vars', frame.id), payload: { configVars: frame.configVars } });
}

function onMessage(s: State, event: MessageEvent): void {
  const data: unknown = event.data;
  if (!isFrameToHostMessage(data)) return;
  const frame = s.frames.get(data.frameId);
  if (!frame) return;
  if (!frame.iframe.isConnected) {
    removeFrame(s, frame);
    return;
  }
  if (event.source !== frame.iframe.contentWindow || !s.allowedOrigins.includes(event.origin)) return;
  if (data.type === 'hello') {
    onHello(s, frame, data, event.origin);
    return;
  }
  // After the handshake the frame's origin is pinned: a frame that navigated elsewhere is no longer Weft.
  if (event.origin !== frame.origin) return;
  handle(s, frame, data);
}

function onHello(
  s: State,
  frame: FrameRecord,
  hello: FrameToHostMessage & { type: 'hello' },
  origin: string,
): void {
  frame.origin = origin;
  frame.isReady = false;
  const appMajor = String(hello.appVersion).split('.')[0];
  if (!s.versionWarned && appMajor !== SDK_VERSION.split('.')[0]) {
    s.versionWarned = true;
    console.warn(
      LOG_PREFIX,
      `Weft ${hello.appVersion} and @weft/embed ${SDK_VERSION} differ in major version: update the older one`,
    );
  }
  const token = s.token;
  if (!token) return;
  frame.tokenSent = token;
  frame.configVarsUnsent = false;
  const payload: InitPayload = {
    sdkVersion: SDK_VERSION,
    token,
    theme: frame.theme,
    translation: frame.translation,
    screenConfiguration: frame.screenConfiguration,
    filters: frame.filters,
    autoHeight: frame.autoHeight,
    inPopover: frame.inPopover,
    configVars: frame.configVars,
  };
  post(frame, { ...envelope('init', frame.id), payload });
}

function handle(s: State, frame: FrameRecord, message: Exclude<FrameToHostMessage, { type: 'hello' }>): void {
  switch (message.type) {
    case 'ready': {
      frame.isReady = true;
      frame.ready.resolve(message.payload);
      for (const ack of frame.tokenAcks.splice(0)) ack.resolve();
      // authenticate() ran while this frame was in its handshake: it signed in with the older token.
      if (frame.tokenSent !== s.token) sendToken(frame);
      if (frame.configVarsUnsent) sendConfigVars(frame);
      break;
    }
    case 'auth_failed': {
      frame.isReady = false;
      const code = String(message.payload?.code);
      const text = String(message.payload?.message);
      const error = new WeftEmbedError('EMBED_AUTH_FAILED', `Weft refused the token: ${text} (${code})`, {
        code,
        message: text,
      });
      frame.ready.reject(error);
      for (const ack of frame.tokenAcks.splice(0)) ack.reject(error);
      break;
    }
    case 'token_expiring':
      refreshToken(s);
      break;
    case 'resize': {
      const height = message.payload?.height;
      if (frame.autoHeight && typeof height === 'number' && height >= 0 && height <= MAX_HEIGHT) {
        frame.iframe.style.height = `${Math.ceil(height)}px`;
      }
      break;
    }
    case 'close':
      closeFrame(s, frame);
      break;
    case 'event':
      emit(s, frame, message.event, message.data);
      break;
  }
}

function emit(s: State, frame: FrameRecord, event: string, data: unknown): void {
  callAll([...(s.listeners.get(event) ?? []), ...(frame.listeners.get(event) ?? [])], data, {
    frameId: frame.id,
    iframe: frame.iframe,
  });
}

function callAll(handlers: AnyHandler[], data: unknown, context: FrameContext): void {
  for (const handler of handlers) {
    try {
      handler(data, context);
    } catch (error) {
      // One failing listener must not silence the others; the host still sees its error, uncaught.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function addListener(listeners: Listeners, event: unknown, handler: unknown): () => void {
  if (typeof event !== 'string' || typeof handler !== 'function') {
    fail('EMBED_INVALID_OPTIONS', 'on: pass an event name and a handler function');
  }
  const set = listeners.get(event) ?? new Set();
  listeners.set(event, set);
  set.add(handler as AnyHandler);
  return () => {
    set.delete(handler as AnyHandler);
  };
}

/** Listens to an event of every frame; returns the function that stops listening. */
export function on<E extends WeftMessageEvent>(event: E, handler: WeftEventHandler<E>): () => void {
  return addListener(current('on').listeners, event, handler);
}

/** Stops a listener `on` added (a no-op when it is not listening, or after `dispose`). */
export function off<E extends WeftMessageEvent>(event: E, handler: WeftEventHandler<E>): void {
  state?.listeners.get(event)?.delete(handler as AnyHandler);
}

function randomId(): string {
  // getRandomValues, unlike randomUUID, also exists on plain-http pages.
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) =>
    byte.toString(16).padStart(2, '0'),
  ).join('');
}

function show(
  call: string,
  screen: EmbeddedScreen,
  options: ShowOptions & { filters?: MarketplaceFilters },
  query: Record<string, string> = {},
): WeftFrame {
  const s = current(call);
  if (!s.token) fail('EMBED_NOT_AUTHENTICATED', `${call}: call authenticate({ token }) first`);
  const { selector, title = SCREEN_TITLES[screen] } = options;
  const inPopover = options.usePopover === true || selector === undefined;
  let container: Element | null = null;
  if (!inPopover) {
    if (typeof selector !== 'string') fail('EMBED_INVALID_OPTIONS', `${call}: selector must be a string`);
    try {
      container = document.querySelector(selector);
    } catch {
      // an invalid selector finds nothing either
    }
    if (!container)
      fail('EMBED_SELECTOR_NOT_FOUND', `${call}: no element matches ${JSON.stringify(selector)}`);
  }
  const theme = merge(s.theme, normalizeTheme(options.theme, call));
  const id = randomId();
  const params = new URLSearchParams({
    frame: id,
    sdk: SDK_VERSION,
    theme: theme?.mode ?? 'light',
    ...query,
  });
  const iframe = document.createElement('iframe');
  iframe.className = 'weft-embed__iframe';
  iframe.title = title;
  iframe.setAttribute('allow', 'clipboard-write');
  iframe.src = `${s.baseUrl}${EMBEDDED_BASE_PATH}/${screen}?${params}`;

  const frame: FrameRecord = {
    id,
    screen,
    iframe,
    title,
    inPopover,
    autoHeight: options.autoHeight ?? s.autoHeight,
    theme,
    translation: merge(s.translation, options.translation),
    screenConfiguration: merge(s.screenConfiguration, options.screenConfiguration),
    filters: options.filters,
    configVars: undefined,
    configVarsUnsent: false,
    origin: undefined,
    tokenSent: undefined,
    isReady: false,
    ready: pending(s.handshakeTimeoutMs, () => timeoutError(s, 'finish the handshake')),
    tokenAcks: [],
    listeners: new Map(),
  };
  // Rejections reach whoever awaits `ready`; a host that never does must not get an "uncaught" error for it.
  frame.ready.promise.catch(() => {});
  s.frames.set(id, frame);

  if (inPopover) {
    const previous = s.popoverFrame;
    s.popoverFrame = undefined; // replaced, not closed: no POPOVER_CLOSED
    if (previous) removeFrame(s, previous);
    if (s.overlay.hidden) s.focusBeforePopover = document.activeElement;
    s.popoverFrame = frame;
    s.heading.textContent = title;
    setPopoverColours(s.overlay, theme);
    s.popoverBody.replaceChildren(iframe);
    s.overlay.hidden = false;
    document.documentElement.classList.add('weft-embed--locked');
    s.closeButton.focus();
  } else {
    container?.replaceChildren(iframe);
  }
  watchRemovals(s);

  return {
    frameId: id,
    iframe,
    ready: frame.ready.promise,
    close: () => {
      if (s.frames.get(id) === frame) closeFrame(s, frame);
    },
    on: (event, handler) => addListener(frame.listeners, event, handler),
  };
}

function setPopoverColours(overlay: HTMLElement, theme: EmbedTheme | undefined): void {
  const dark = theme?.mode === 'dark';
  const colours: Record<string, string | undefined> = {
    bg: theme?.background ?? (dark ? '#111827' : '#fff'),
    text: theme?.text ?? (dark ? '#f9fafb' : '#111827'),
    border: theme?.border ?? (dark ? '#374151' : '#e5e7eb'),
    primary: theme?.primary ?? '#2563eb',
    font: theme?.fontFamily,
    radius: theme?.radius,
  };
  for (const [name, value] of Object.entries(colours)) {
    if (value) overlay.style.setProperty(`--weft-embed-${name}`, value);
    else overlay.style.removeProperty(`--weft-embed-${name}`);
  }
}

/** Removes the iframes the host took out of the page itself (a React unmount), with their listeners. */
function watchRemovals(s: State): void {
  if (s.observer) return;
  s.observer = new MutationObserver(() => {
    for (const frame of [...s.frames.values()]) if (!frame.iframe.isConnected) removeFrame(s, frame);
  });
  s.observer.observe(document.documentElement, { childList: true, subtree: true });
}

function closeFrame(s: State, frame: FrameRecord): void {
  if (frame === s.popoverFrame) closePopover(s);
  else removeFrame(s, frame);
}

function removeFrame(s: State, frame: FrameRecord): void {
  if (frame === s.popoverFrame) {
    closePopover(s);
    return;
  }
  s.frames.delete(frame.id);
  frame.ready.reject(new WeftEmbedError('EMBED_FRAME_CLOSED', 'The frame was closed before it was ready'));
  // A frame that is gone needs no token: it does not hold authenticate() up.
  for (const ack of frame.tokenAcks.splice(0)) ack.resolve();
  frame.listeners.clear();
  frame.iframe.remove();
  if (s.frames.size === 0) {
    s.observer?.disconnect();
    s.observer = undefined;
  }
}

function closePopover(s: State, notify = true): void {
  const frame = s.popoverFrame;
  if (!frame) return;
  const event = WeftMessageEvent.POPOVER_CLOSED;
  const handlers = [...(s.listeners.get(event) ?? []), ...(frame.listeners.get(event) ?? [])];
  s.popoverFrame = undefined;
  s.overlay.hidden = true;
  document.documentElement.classList.remove('weft-embed--locked');
  removeFrame(s, frame);
  const previous = s.focusBeforePopover;
  s.focusBeforePopover = null;
  if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
  if (!notify) return;
  callAll(handlers, {}, { frameId: frame.id, iframe: frame.iframe });
  // For host code written for Prismatic, which listens to window messages: '/' is this page's own origin.
  window.postMessage({ event, data: {} }, '/');
}

function findFrame(s: State, options: SetConfigVarsOptions): FrameRecord | undefined {
  const frames = [...s.frames.values()];
  if (options.iframe) return frames.find((frame) => frame.iframe === options.iframe);
  if (options.selector !== undefined) {
    let element: Element | null = null;
    try {
      element = document.querySelector(options.selector);
    } catch {
      // an invalid selector finds nothing
    }
    return element ? frames.find((frame) => element.contains(frame.iframe)) : undefined;
  }
  return frames.filter((frame) => frame.screen === 'configure').pop();
}

/** Lays values over the config wizard's variables (the frame shows them once its wizard has loaded). */
export function setConfigVars(options: SetConfigVarsOptions): void {
  const s = current('setConfigVars');
  if (!isObject(options) || !isObject(options.configVars)) {
    fail('EMBED_INVALID_OPTIONS', 'setConfigVars: pass { configVars: { name: { value } } }');
  }
  const frame =
    findFrame(s, options) ?? fail('EMBED_FRAME_NOT_FOUND', 'setConfigVars: no config wizard is open');
  frame.configVars = { ...frame.configVars, ...options.configVars };
  if (frame.isReady) {
    post(frame, { ...envelope('set_config_vars', frame.id), payload: { configVars: options.configVars } });
  } else {
    frame.configVarsUnsent = true; // sent with `init`, or right after `ready`
  }
}

/**
 * The iframe of ours a `message` event came from, for host code that listens to window messages itself; undefined
 * when it came from anywhere else, our iframe included once it left Weft's origin.
 */
export function getMessageIframe(event: MessageEvent): HTMLIFrameElement | undefined {
  const s = state;
  if (!s || !event?.source) return undefined;
  for (const frame of s.frames.values()) {
    if (frame.iframe.contentWindow === event.source) {
      const trusted = frame.origin ? event.origin === frame.origin : s.allowedOrigins.includes(event.origin);
      return trusted ? frame.iframe : undefined;
    }
  }
  return undefined;
}

/** Removes every iframe, the popover and the style, stops every listener and forgets the token. */
export function dispose(): void {
  const s = state;
  if (!s) return;
  state = undefined;
  s.controller.abort();
  clearTimeout(s.refreshTimer);
  s.token = undefined;
  s.listeners.clear();
  closePopover(s, false);
  for (const frame of [...s.frames.values()]) removeFrame(s, frame);
  s.observer?.disconnect();
  s.overlay.remove();
  s.style.remove();
}

export const showMarketplace = (options: MarketplaceOptions = {}): WeftFrame =>
  show('showMarketplace', 'marketplace', options);

export const showConnections = (options: ShowOptions = {}): WeftFrame =>
  show('showConnections', 'connections', options);

export const showDashboard = (options: ShowOptions = {}): WeftFrame =>
  show('showDashboard', 'dashboard', options);

export const showLogs = (options: ShowOptions = {}): WeftFrame => show('showLogs', 'logs', options);

/** Opens the config wizard of an integration (a new instance) or of an existing instance. */
export function configureInstance(options: ConfigureInstanceOptions): WeftFrame {
  current('configureInstance');
  const targets = isObject(options)
    ? (
        [
          ['integration', options.integrationName],
          ['integrationId', options.integrationId],
          ['instance', options.instanceId],
        ] as const
      ).filter(([, value]) => value !== undefined)
    : [];
  const [target] = targets;
  if (targets.length !== 1 || !target || typeof target[1] !== 'string' || !target[1]) {
    fail(
      'EMBED_INVALID_OPTIONS',
      'configureInstance: pass exactly one of integrationName, integrationId, instanceId',
    );
  }
  const query: Record<string, string> = { [target[0]]: target[1] };
  if (options.skipRedirectOnRemove) query.skipRedirectOnRemove = 'true';
  return show('configureInstance', 'configure', options, query);
}

export default {
  init,
  authenticate,
  showMarketplace,
  configureInstance,
  showConnections,
  showDashboard,
  showLogs,
  setConfigVars,
  getMessageIframe,
  on,
  off,
  dispose,
  WeftMessageEvent,
  PrismaticMessageEvent,
  WeftEmbedError,
  SDK_VERSION,
};
