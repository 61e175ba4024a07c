/**
 * A mail server over real SMTP (smtp-server, from nodemailer's authors): records each message it
 * accepts, parsed with mailparser, and can be told to refuse the next ones with a reply code
 * (4xx: try later, 5xx: never) — the far edge of the e-mail channel.
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSim {
  url: string;
  received: ParsedMail[];
  refuseNext(times: number, code: number): void;
  close(): Promise<void>;
}

export async function startSmtpSim(): Promise<SmtpSim> {
  const received: ParsedMail[] = [];
  let refusals = 0;
  let refusalCode = 451;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (refusals > 0) {
            refusals--;
            const error = new Error('Refused by the simulator') as Error & { responseCode: number };
            error.responseCode = refusalCode;
            callback(error);
            return;
          }
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuseNext(times, code) {
      refusals = times;
      refusalCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
