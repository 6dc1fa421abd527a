/**
 * The embedded page's side of the `@weft/embed` protocol (packages/embed/src/protocol.ts): the handshake with the
 * host, the JWT kept in memory (never a cookie, storage or the URL: third-party cookies are blocked in iframes, and
 * storage would outlive the host's session), the events the host listens to, and the height it may follow.
 *
 * The page accepts messages only from `window.parent`, and answers only the origin that sent `init` once that origin
 * is Weft's own or on the organization's embedding list (`GET /api/embedded/context`), the same list the server
 * puts in the page's `frame-ancestors`.
 */
import {
  type ConfigVarValues,
  envelope,
  type FrameToHostMessage,
  type InitPayload,
  isHostToFrameMessage,
  type WeftEventDataMap,
} from '@weft/embed/protocol';
import { appVersion } from '../shared/version.js';

export type FrameSessionState =
  | { status: 'connecting' }
  | { status: 'standalone' }
  | { status: 'authenticating'; init: InitPayload }
  | { status: 'ready'; init: InitPayload }
  | { status: 'failed'; code: string; message: string };

export interface EmbeddedContextAnswer {
  organization: { id: string; name: string };
  customer: { id: string; externalId: string; name: string } | null;
  user: { id: string; externalId: string | null; name: string | null; role: string; kind: string };
  allowedOrigins: string[];
  theme: Record<string, string>;
}

type Listener = () => void;

/** How long before the JWT's expiry the page asks the host for a fresh one. */
const refreshMarginMs = 60_000;

export class FrameSession {
  readonly frameId: string;
  state: FrameSessionState;
  context: EmbeddedContextAnswer | undefined;
  private token: string | undefined;
  private hostOrigin: string | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly configVarListeners = new Set<(values: ConfigVarValues) => void>();
  private pendingConfigVars: ConfigVarValues | undefined;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private resizeObserver: ResizeObserver | undefined;
  /**
   * Called when the host's init arrives, before the token is checked: the page starts loading what its first
   * screen shows in parallel with signing in (one round trip less before the first paint).
   */
  onInit: ((token: string, init: InitPayload) => void) | undefined;

  constructor(private readonly win: Window = window) {
    const params = new URLSearchParams(win.location.search);
    this.frameId = params.get('frame') ?? '';
    this.state =
      win.parent === win || this.frameId === '' ? { status: 'standalone' } : { status: 'connecting' };
  }

  /** Starts listening and says hello: the only message sent to any origin, and it carries nothing secret. */
  start(): void {
    if (this.state.status === 'standalone') return;
    this.win.addEventListener('message', (event) => void this.onMessage(event));
    this.post({ ...envelope('hello', this.frameId), appVersion, protocolVersions: [1] }, '*');
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Values the host pushes for the open wizard (`setConfigVars`); those sent before a wizard listened are kept. */
  onConfigVars(listener: (values: ConfigVarValues) => void): () => void {
    this.configVarListeners.add(listener);
    if (this.pendingConfigVars) {
      listener(this.pendingConfigVars);
      this.pendingConfigVars = undefined;
    }
    return () => this.configVarListeners.delete(listener);
  }

  get init(): InitPayload | undefined {
    return 'init' in this.state ? this.state.init : undefined;
  }

  /** The `Authorization` header of API calls; undefined before the handshake. */
  authorization(): string | undefined {
    return this.token ? `Bearer ${this.token}` : undefined;
  }

  /** Tells the host what happened (`{event, data}` at the top level, as Prismatic's pages post it). */
  emit<E extends keyof WeftEventDataMap>(event: E, data: WeftEventDataMap[E]): void {
    if (this.state.status !== 'ready') return;
    this.post({ ...envelope('event', this.frameId), event, data } as FrameToHostMessage);
  }

  /** Asks the host to close the frame (the popover, or the wizard's place in the host page). */
  close(): void {
    this.post({ ...envelope('close', this.frameId), payload: {} });
  }

  /** The API refused the token (expired, revoked key): ask the host for a fresh one. */
  tokenRefused(): void {
    this.post({
      ...envelope('token_expiring', this.frameId),
      payload: { expiresAt: new Date().toISOString() },
    });
  }

  private post(message: FrameToHostMessage, targetOrigin = this.hostOrigin): void {
    if (!targetOrigin) return;
    this.win.parent.postMessage(message, targetOrigin);
  }

  private setState(state: FrameSessionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }

  private async onMessage(event: MessageEvent): Promise<void> {
    if (event.source !== this.win.parent) return;
    const message = event.data;
    if (!isHostToFrameMessage(message) || message.frameId !== this.frameId) return;
    // Once a host has been accepted, no other origin is listened to.
    if (this.hostOrigin !== undefined && event.origin !== this.hostOrigin) return;
    switch (message.type) {
      case 'init':
        if (this.state.status === 'ready' || this.state.status === 'authenticating') {
          // The host re-sent init (its SDK re-ran after our hello): only a new token matters.
          await this.renewToken(message.payload.token);
          return;
        }
        await this.authenticate(message.payload, event.origin);
        return;
      case 'token':
        await this.renewToken(message.payload.token);
        return;
      case 'set_config_vars':
        if (this.configVarListeners.size === 0) this.pendingConfigVars = message.payload.configVars;
        for (const listener of this.configVarListeners) listener(message.payload.configVars);
        return;
    }
  }

  private async authenticate(init: InitPayload, origin: string): Promise<void> {
    this.setState({ status: 'authenticating', init });
    if (init.configVars) this.pendingConfigVars = init.configVars;
    if (typeof init.token === 'string' && init.token !== '') this.onInit?.(init.token, init);
    const signedIn = await this.signIn(init.token);
    if ('code' in signedIn) return this.fail(origin, signedIn.code, signedIn.message);
    const context = signedIn.context;
    if (origin !== this.win.location.origin && !context.allowedOrigins.includes(origin)) {
      return this.fail(
        origin,
        'EMBED_ORIGIN_NOT_ALLOWED',
        `This page may not be embedded by ${origin}: an owner or admin adds it to the organization's embedding origins (PUT /api/organization/embedding).`,
      );
    }
    this.hostOrigin = origin;
    this.context = context;
    this.token = init.token;
    this.scheduleRefresh();
    if (init.autoHeight) this.followHeight();
    this.setState({ status: 'ready', init });
    this.sayReady();
  }

  /**
   * A fresh JWT from the host: checked, then used; the host hears `ready` again. A token Weft refuses, or one for
   * another user (two people's screens must not mix), fails the page closed: the old token is dropped too.
   */
  private async renewToken(token: unknown): Promise<void> {
    const origin = this.hostOrigin;
    if (!origin || !this.context) return;
    const signedIn = await this.signIn(token);
    if ('code' in signedIn) return this.fail(origin, signedIn.code, signedIn.message);
    if (
      signedIn.context.user.id !== this.context.user.id ||
      signedIn.context.customer?.id !== this.context.customer?.id
    ) {
      return this.fail(
        origin,
        'EMBED_TOKEN_USER_CHANGED',
        'The new token is for another user: show the pages again (a new frame) to switch users.',
      );
    }
    this.token = token as string;
    this.scheduleRefresh();
    this.sayReady();
  }

  /** Who the token signs in, or why it does not (the API's error code). */
  private async signIn(
    token: unknown,
  ): Promise<{ context: EmbeddedContextAnswer } | { code: string; message: string }> {
    if (typeof token !== 'string' || token === '') {
      return { code: 'EMBED_TOKEN_MISSING', message: 'The host sent no token.' };
    }
    try {
      const response = await fetch('/api/embedded/context', {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = await response.json().catch(() => undefined);
      if (!response.ok) {
        const error = body?.error ?? {};
        return {
          code: error.code ?? 'EMBED_AUTH_FAILED',
          message: error.message ?? `Sign-in failed (${response.status}).`,
        };
      }
      return { context: body as EmbeddedContextAnswer };
    } catch (error) {
      return { code: 'EMBED_NETWORK_ERROR', message: `Weft could not be reached: ${String(error)}` };
    }
  }

  private sayReady(): void {
    const context = this.context;
    if (!context) return;
    this.post({
      ...envelope('ready', this.frameId),
      payload: {
        appVersion,
        customer: context.customer ?? { id: '', externalId: '', name: context.organization.name },
        user: {
          id: context.user.id,
          externalId: context.user.externalId ?? context.user.id,
          name: context.user.name,
          role: context.user.role,
        },
        expiresAt: expiryOf(this.token)?.toISOString() ?? null,
      },
    });
  }

  private fail(origin: string, code: string, message: string): void {
    this.token = undefined;
    this.setState({ status: 'failed', code, message });
    // The refusal says nothing secret, so the (possibly unknown) origin may hear it.
    this.post({ ...envelope('auth_failed', this.frameId), payload: { code, message } }, origin);
  }

  private scheduleRefresh(): void {
    clearTimeout(this.expiryTimer);
    const expiry = expiryOf(this.token);
    if (!expiry) return;
    const delay = Math.max(0, expiry.getTime() - Date.now() - refreshMarginMs);
    // Timers past ~24.8 days overflow; JWTs live at most 24 h.
    this.expiryTimer = setTimeout(() => {
      this.post({
        ...envelope('token_expiring', this.frameId),
        payload: { expiresAt: expiry.toISOString() },
      });
    }, delay);
  }

  private followHeight(): void {
    let scheduled = false;
    let last = 0;
    const report = () => {
      scheduled = false;
      const height = Math.ceil(this.win.document.documentElement.scrollHeight);
      if (height === last) return;
      last = height;
      this.post({ ...envelope('resize', this.frameId), payload: { height } });
    };
    this.resizeObserver = new ResizeObserver(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(report);
    });
    this.resizeObserver.observe(this.win.document.body);
  }
}

/** The `exp` of a JWT, read without verifying it (the server verifies; this only times the refresh). */
export function expiryOf(token: string | undefined): Date | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    return typeof json.exp === 'number' ? new Date(json.exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}
