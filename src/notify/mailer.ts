import { createTransport } from 'nodemailer';
import { BridgeError } from '../shared/errors';

/** Port: sends one plain-text mail to the configured recipients. Throws `MailError` when it could not. */
export interface Mailer {
  send(mail: { readonly subject: string; readonly text: string }): Promise<void>;
  /** Checks that the server answers and accepts our login (the support CLI's `doctor`). */
  verify(): Promise<void>;
  close(): void;
}

/** The SMTP server refused or could not be reached. The message names the SMTP reply code only. */
export class MailError extends BridgeError {
  readonly kind = 'transient';
}

/**
 * Nodemailer over `NOTIFY_SMTP_URL` (`smtp://` or `smtps://`, credentials in the URL). Timeouts are
 * short: a mail is an operator's aid and must never hold up the bridge or its shutdown for long.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: ReturnType<typeof createTransport>;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly recipients: readonly string[],
  ) {
    this.transport = createTransport({
      url: smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // Nodemailer's own logger stays off: it would print the conversation, addresses included.
      logger: false,
      debug: false,
    });
  }

  async send(mail: { readonly subject: string; readonly text: string }): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.from, to: this.recipients.join(', '), subject: mail.subject, text: mail.text });
    } catch (e) {
      throw toMailError(e, 'sending a notification failed');
    }
  }

  async verify(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (e) {
      throw toMailError(e, 'the SMTP server did not accept the connection');
    }
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * Only the SMTP reply code and nodemailer's error code cross this boundary: server replies may
 * quote addresses, and connection errors may quote the URL (with its password).
 */
function toMailError(e: unknown, what: string): MailError {
  const err = e as { code?: unknown; responseCode?: unknown };
  const code = typeof err.code === 'string' && /^[A-Z_]{1,40}$/.test(err.code) ? err.code : 'UNKNOWN';
  const reply = typeof err.responseCode === 'number' ? `, SMTP reply ${err.responseCode}` : '';
  return new MailError(`SMTP_${code}`, `${what} (${code}${reply})`);
}
