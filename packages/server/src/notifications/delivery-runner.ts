import type { Egress } from '@weft/egress';
import { type Kysely, sql } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { EmailSettings } from '../config.js';
import type { Database, NotificationChannel } from '../database/schema.js';
import type { Keyring } from '../secrets/keyring.js';
import { secretContext } from '../secrets/secret-columns.js';
import { weftVersion } from '../version.js';
import { signatureHeader, signatureOf } from './webhook-signature.js';

/**
 * Sends what alert monitors and event webhooks queued in `notification_deliveries`, at least once: a delivery is
 * claimed (its next attempt pushed past the request's time limit, so a process that dies mid-request leaves it to
 * be claimed again), tried up to four times in quick succession (0, 100, 200, 400 ms, as seed 003's event webhooks
 * do), and when all four fail, tried again later on a backoff schedule until `maxAttempts` rounds, then marked
 * failed (visible, and retried on request: `retryDelivery`). Nothing here runs inside an execution.
 */

/** Delays between rounds of attempts after the first: 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h. */
export const backoffSeconds = [30, 120, 600, 1800, 3600, 7200, 14_400];
export const maxAttempts = backoffSeconds.length + 1;
const quickRetryMs = [100, 200, 400];
const requestTimeoutMs = 10_000;
const batchSize = 20;

/** Measures of each attempt, for `/metrics`. */
export type DeliveryObserver = (
  channel: NotificationChannel,
  outcome: 'delivered' | 'retried' | 'failed',
  seconds: number,
) => void;

export interface DeliveryRunnerOptions {
  keyring: Keyring;
  egress: Egress;
  email: EmailSettings | undefined;
  pollMs: number;
  onAttempt?: DeliveryObserver;
}

interface ClaimedDelivery {
  id: string;
  org_id: string;
  channel: NotificationChannel;
  alert_webhook_id: string | null;
  event_webhook_id: string | null;
  recipient: string | null;
  event_type: string | null;
  body: string;
  attempts: number;
}

/** How one attempt went. */
interface AttemptResult {
  ok: boolean;
  statusCode?: number;
  error?: string;
  /** Trying again cannot help (the target is gone or disabled, email is not set up). */
  final?: boolean;
}

/** What routes need of the runner: send a test delivery now, or say there is work. */
export interface NotificationsPort {
  deliverNow(deliveryId: string): Promise<void>;
  wake(): void;
}

export class DeliveryRunner implements NotificationsPort {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private mailer: Transporter | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly options: DeliveryRunnerOptions,
  ) {}

  start(): void {
    this.schedule(0);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.mailer?.close();
  }

  /** Sends every due delivery now (the test-send routes and tests call it). */
  async runDue(): Promise<void> {
    while ((await this.runBatch()) === batchSize && !this.stopped) {}
  }

  /** Sends one delivery now, whatever its schedule: the answer of a "send a test" request. */
  async deliverNow(deliveryId: string): Promise<void> {
    const claimed = await this.claim(sql`id = ${deliveryId} and status = 'pending'`);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runDue()
        .catch((error: Error) => {
          if (!this.stopped) this.log.error({ error: error.message }, 'notifications: delivery pass failed');
        })
        .finally(() => {
          this.running = undefined;
          const soon = this.again;
          this.again = false;
          this.schedule(soon ? 0 : this.options.pollMs);
        });
    }, ms);
    this.timer.unref();
  }

  private async runBatch(): Promise<number> {
    const claimed = await this.claim(sql`status = 'pending' and next_attempt_at <= now()`);
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    return claimed.length;
  }

  /** Claims due deliveries: one more attempt each, and their next attempt moved past this one's time limit. */
  private async claim(where: ReturnType<typeof sql>): Promise<ClaimedDelivery[]> {
    const leaseSeconds = Math.ceil((requestTimeoutMs * 4 + 1000) / 1000) + 5;
    const { rows } = await sql<ClaimedDelivery>`
      update notification_deliveries set
        attempts = attempts + 1,
        next_attempt_at = now() + ${leaseSeconds} * interval '1 second',
        updated_at = now()
      where id in (
        select id from notification_deliveries where ${where}
        order by next_attempt_at limit ${batchSize} for update skip locked)
      returning id, org_id, channel, alert_webhook_id, event_webhook_id, recipient, event_type, body, attempts`.execute(
      this.db,
    );
    return rows;
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    let result: AttemptResult = { ok: false, error: 'not attempted' };
    for (let round = 0; round <= quickRetryMs.length; round += 1) {
      if (round > 0) await sleep(quickRetryMs[round - 1]!);
      const started = performance.now();
      try {
        result = await this.attempt(delivery);
      } catch (error) {
        result = { ok: false, error: (error as Error).message };
      }
      const seconds = (performance.now() - started) / 1000;
      const last = result.ok || result.final || round === quickRetryMs.length;
      this.options.onAttempt?.(
        delivery.channel,
        result.ok ? 'delivered' : last && !this.mayRetry(delivery, result) ? 'failed' : 'retried',
        seconds,
      );
      if (last) break;
    }
    await this.record(delivery, result);
  }

  private mayRetry(delivery: ClaimedDelivery, result: AttemptResult): boolean {
    return !result.final && delivery.attempts < maxAttempts;
  }

  private async record(delivery: ClaimedDelivery, result: AttemptResult): Promise<void> {
    if (result.ok) {
      await this.db
        .updateTable('notification_deliveries')
        .set({
          status: 'delivered',
          delivered_at: new Date(),
          last_status_code: result.statusCode ?? null,
          last_error: null,
          updated_at: new Date(),
        })
        .where('id', '=', delivery.id)
        .execute();
      return;
    }
    const retry = this.mayRetry(delivery, result);
    const delay = backoffSeconds[Math.min(delivery.attempts - 1, backoffSeconds.length - 1)]!;
    await sql`
      update notification_deliveries set
        status = ${retry ? 'pending' : 'failed'},
        next_attempt_at = ${retry ? sql`now() + ${delay} * interval '1 second'` : sql`next_attempt_at`},
        last_status_code = ${result.statusCode ?? null},
        last_error = ${(result.error ?? 'failed').slice(0, 2000)},
        updated_at = now()
      where id = ${delivery.id}`.execute(this.db);
    this.log.warn(
      {
        deliveryId: delivery.id,
        channel: delivery.channel,
        attempts: delivery.attempts,
        statusCode: result.statusCode,
        error: result.error,
        nextAttemptInSeconds: retry ? delay : undefined,
      },
      retry
        ? 'notifications: delivery failed; it will be tried again'
        : 'notifications: delivery failed for good',
    );
  }

  private async attempt(delivery: ClaimedDelivery): Promise<AttemptResult> {
    if (delivery.channel === 'alert-email') return this.sendEmail(delivery);
    const target = await this.webhookTarget(delivery);
    if ('problem' in target) return { ok: false, error: target.problem, final: true };
    const headers: Record<string, string> = {
      'content-type': looksLikeJson(delivery.body) ? 'application/json' : 'text/plain; charset=utf-8',
      'user-agent': `Weft/${weftVersion}`,
      'x-weft-delivery': delivery.id,
      ...(delivery.event_type ? { 'x-weft-event': delivery.event_type } : {}),
      ...target.headers,
    };
    if (target.secret) headers[signatureHeader] = signatureOf(target.secret, delivery.body);
    const response = await this.options.egress.fetch(target.url, {
      method: 'POST',
      headers,
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    // The answer is read (and dropped) so the connection goes back to the pool.
    const answer = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status };
    return {
      ok: false,
      statusCode: response.status,
      // The host, not the whole URL: a Slack or other incoming-webhook URL holds its token in the path.
      error: `${new URL(target.url).host} answered ${response.status}${answer ? `: ${answer.slice(0, 300)}` : ''}`,
    };
  }

  private async webhookTarget(
    delivery: ClaimedDelivery,
  ): Promise<{ url: string; headers: Record<string, string>; secret?: string } | { problem: string }> {
    const { keyring } = this.options;
    if (delivery.channel === 'alert-webhook' && delivery.alert_webhook_id) {
      const row = await this.db
        .selectFrom('alert_webhooks')
        .select(['id', 'url', 'headers_secret', 'signing_secret'])
        .where('id', '=', delivery.alert_webhook_id)
        .executeTakeFirst();
      if (!row) return { problem: 'the alert webhook was deleted' };
      const headers = row.headers_secret
        ? await keyring.open<Record<string, string>>(
            row.headers_secret,
            secretContext('alert_webhooks', 'headers_secret', row.id),
            "an alert webhook's headers",
          )
        : {};
      const secret = row.signing_secret
        ? await keyring.open<string>(
            row.signing_secret,
            secretContext('alert_webhooks', 'signing_secret', row.id),
            "an alert webhook's signing secret",
          )
        : undefined;
      return { url: row.url, headers, ...(secret ? { secret } : {}) };
    }
    if (delivery.channel === 'event-webhook' && delivery.event_webhook_id) {
      const row = await this.db
        .selectFrom('event_webhooks')
        .select(['id', 'url', 'enabled', 'signing_secret'])
        .where('id', '=', delivery.event_webhook_id)
        .executeTakeFirst();
      if (!row) return { problem: 'the event webhook was deleted' };
      if (!row.enabled && delivery.event_type !== 'webhook.test') {
        return { problem: 'the event webhook is disabled' };
      }
      const secret = row.signing_secret
        ? await keyring.open<string>(
            row.signing_secret,
            secretContext('event_webhooks', 'signing_secret', row.id),
            "an event webhook's signing secret",
          )
        : undefined;
      return { url: row.url, headers: {}, ...(secret ? { secret } : {}) };
    }
    return { problem: `a ${delivery.channel} delivery without its target` };
  }

  private async sendEmail(delivery: ClaimedDelivery): Promise<AttemptResult> {
    const email = this.options.email;
    if (!email) {
      return {
        ok: false,
        final: true,
        error:
          'email is not set up on this server: set WEFT_SMTP_URL (and WEFT_EMAIL_FROM) and retry the delivery',
      };
    }
    if (!delivery.recipient)
      return { ok: false, final: true, error: 'an email delivery without a recipient' };
    const message = JSON.parse(delivery.body) as { subject: string; text: string };
    this.mailer ??= await createMailer(email);
    const info = await this.mailer.sendMail({
      from: email.from,
      to: delivery.recipient,
      subject: message.subject,
      text: message.text,
      headers: { 'X-Weft-Delivery': delivery.id },
    });
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      return { ok: false, error: `the mail server refused ${rejected.join(', ')}: ${info.response}` };
    }
    return { ok: true };
  }
}

async function createMailer(email: EmailSettings): Promise<Transporter> {
  const nodemailer = await import('nodemailer');
  const url = new URL(email.smtpUrl);
  const secure = url.protocol === 'smtps:';
  return nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    connectionTimeout: requestTimeoutMs,
    greetingTimeout: requestTimeoutMs,
    socketTimeout: requestTimeoutMs * 3,
  });
}

/** Puts a failed delivery back in line, due now. False when there is no such failed delivery. */
export async function retryDelivery(
  db: Kysely<Database>,
  orgId: string,
  deliveryId: string,
  /** Kept from the background runner this long: the caller sends it itself now (so it does not go out twice). */
  deferSeconds = 0,
): Promise<boolean> {
  const result = await db
    .updateTable('notification_deliveries')
    .set({
      status: 'pending',
      next_attempt_at: new Date(Date.now() + deferSeconds * 1000),
      attempts: 0,
      updated_at: new Date(),
    })
    .where('id', '=', deliveryId)
    .where('org_id', '=', orgId)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function looksLikeJson(body: string): boolean {
  const first = body.trimStart()[0];
  if (first !== '{' && first !== '[') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
