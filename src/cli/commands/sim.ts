/**
 * `omni sim whatsapp` and `omni sim telegram` (SPEC §6.7): the channel simulators as processes for
 * people and benchmarks. Each line typed is a customer message sent to Omni; every reply Omni
 * sends is printed, so a whole conversation can be watched in one terminal.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type SimFaults, startEvolutionSim, startTelegramSim } from '../../channels/index.ts';
import { loadConfig, publicUrl } from '../../config/index.ts';
import { numberOption, say } from '../output.ts';

/** Omni's address when --omni is not given: where `npm start` listens with this PORT / PUBLIC_URL. */
function omniUrl(given: string | undefined): string {
  return (given ?? publicUrl(loadConfig())).replace(/\/+$/, '');
}

/** One line an operator can act on when a webhook to Omni fails: what, where, what to check. */
function webhookFailure(error: unknown, target: string): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  return `✗ could not deliver to Omni at ${target} (${why}): is Omni running there? Check --omni (default PUBLIC_URL, else http://localhost:PORT) and that the port is right.`;
}

/** A webhook answer that is not a success, with its likely cause. */
function webhookRefused(status: number, target: string, tenant: string): string {
  const hint =
    status === 404
      ? `no tenant "${tenant}" or no such route: check --tenant and --omni`
      : status === 401 || status === 403
        ? "Omni refused the simulator's credentials: check the API key / secret options against Omni's settings"
        : 'see the Omni log line with this request for the reason';
  return `✗ Omni answered ${target} with HTTP ${status}: ${hint}`;
}

interface FaultOptions {
  latencyMs?: number;
  status?: number;
  times?: number;
  retryAfter?: number;
  disconnected?: boolean;
}

function withFaultOptions(command: Command): Command {
  return command
    .option('--latency-ms <ms>', 'delay before each answer', numberOption('--latency-ms'))
    .option(
      '--status <code>',
      'answer sends with this HTTP status (429, 500…)',
      numberOption('--status'),
    )
    .option('--times <n>', 'only the next n sends fail (default: all)', numberOption('--times'))
    .option(
      '--retry-after <seconds>',
      'retry-after announced with a 429',
      numberOption('--retry-after'),
    )
    .option('--disconnected', 'act as a phone that is not connected');
}

const faultsOf = (options: FaultOptions): SimFaults => ({
  latencyMs: options.latencyMs,
  status: options.status,
  times: options.times,
  retryAfterS: options.retryAfter,
  disconnected: options.disconnected,
});

/** Reads lines until Ctrl-C; each goes to `onLine`. Resolves when the process is asked to stop. */
async function chatUntilStopped(
  target: string,
  onLine: (line: string) => Promise<void>,
): Promise<void> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  lines.on('line', (line) => {
    if (line.trim()) void onLine(line.trim()).catch((error) => say(webhookFailure(error, target)));
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  lines.close();
}

/** `omni sim <name>`: a simulator process, listening on --port (its own default) and --host. */
export function simulatorCommand(
  sim: Command,
  name: string,
  description: string,
  port: number,
): Command {
  return sim
    .command(name)
    .description(description)
    .option('--port <port>', 'port to listen on', numberOption('--port'), port)
    .option('--host <host>', 'address to bind', '127.0.0.1');
}

export function registerChannelSimulators(sim: Command): void {
  withFaultOptions(
    simulatorCommand(
      sim,
      'whatsapp',
      'a WhatsApp (Evolution API v2) simulator: type a line to send it as a customer, watch Omni answer',
      4000,
    ),
  )
    .option('--api-key <key>', 'the key Omni must use (EVOLUTION_API_KEY / MCP_TOKEN)', 'dev-token')
    .option('--instance <name>', 'the instance name (EVOLUTION_INSTANCE)', 'omni')
    .option('--omni <url>', "Omni's base URL (default: PUBLIC_URL, else http://localhost:PORT)")
    .option('--tenant <slug>', 'the tenant whose webhook receives the messages', 'demo')
    .option('--from <number>', "the customer's phone number", '5511988887777')
    .option('--name <name>', "the customer's profile name", 'Maria Silva')
    .option('--no-echo', "do not post the fromMe echo of Omni's own sends")
    .action(
      async (
        options: FaultOptions & {
          port: number;
          host: string;
          apiKey: string;
          instance: string;
          omni?: string;
          tenant: string;
          from: string;
          name: string;
          echo: boolean;
        },
      ) => {
        const webhookUrl = `${omniUrl(options.omni)}/webhooks/evolution/${options.tenant}`;
        const whatsapp = await startEvolutionSim({
          port: options.port,
          host: options.host,
          apiKey: options.apiKey,
          instance: options.instance,
          webhookUrl,
          echo: options.echo,
          faults: faultsOf(options),
          log: say,
        });
        say(`WhatsApp simulator (Evolution API v2) listening on ${whatsapp.url}`);
        say(
          `  start Omni with: EGRESS_ALLOW=127.0.0.1 MCP_WHATSAPP_URL=${whatsapp.url} MCP_TOKEN=${options.apiKey} npm start`,
        );
        say(`  (or EVOLUTION_URL / EVOLUTION_API_KEY; EVOLUTION_INSTANCE=${options.instance})`);
        say(
          `  type a message as ${options.from}; "/phone <text>" answers as the business's own phone`,
        );
        await chatUntilStopped(webhookUrl, async (line) => {
          const phone = /^\/phone\s+(.+)$/.exec(line);
          const { status } = phone
            ? await whatsapp.operatorSays(options.from, phone[1] as string)
            : await whatsapp.customerSays(options.from, line, { name: options.name });
          if (status >= 300) say(webhookRefused(status, webhookUrl, options.tenant));
        });
        await whatsapp.close();
      },
    );

  withFaultOptions(
    simulatorCommand(
      sim,
      'telegram',
      'a Telegram Bot API simulator: type a line to send it as a customer, watch Omni answer',
      4001,
    ),
  )
    .option(
      '--token <token>',
      'the bot token Omni must use (TELEGRAM_BOT_TOKEN)',
      '7000000001:sim-token',
    )
    .option(
      '--omni <url>',
      "Omni's base URL, webhook mode (default: PUBLIC_URL, else http://localhost:PORT)",
    )
    .option('--tenant <slug>', 'the tenant whose webhook receives the updates', 'demo')
    .option(
      '--webhook-secret <secret>',
      "set the webhook to Omni with this secret (TELEGRAM_WEBHOOK_SECRET); without it updates wait for Omni's polling",
    )
    .option('--chat-id <id>', "the customer's chat id", numberOption('--chat-id'), 123456789)
    .option('--name <name>', "the customer's name", 'Maria Silva')
    .action(
      async (
        options: FaultOptions & {
          port: number;
          host: string;
          token: string;
          omni?: string;
          tenant: string;
          webhookSecret?: string;
          chatId: number;
          name: string;
        },
      ) => {
        const telegramWebhook = `${omniUrl(options.omni)}/webhooks/telegram/${options.tenant}`;
        const telegram = await startTelegramSim({
          port: options.port,
          host: options.host,
          token: options.token,
          faults: faultsOf(options),
          log: say,
        });
        say(`Telegram simulator (Bot API) listening on ${telegram.url}`);
        if (options.webhookSecret) {
          const url = telegramWebhook;
          await fetch(`${telegram.url}/bot${options.token}/setWebhook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ url, secret_token: options.webhookSecret }),
          });
          say(
            `  start Omni with: EGRESS_ALLOW=127.0.0.1 TELEGRAM_API_URL=${telegram.url} TELEGRAM_BOT_TOKEN=${options.token} TELEGRAM_WEBHOOK_SECRET=${options.webhookSecret} npm start`,
          );
        } else {
          say(
            `  start Omni with: EGRESS_ALLOW=127.0.0.1 TELEGRAM_API_URL=${telegram.url} TELEGRAM_BOT_TOKEN=${options.token} TELEGRAM_MODE=polling npm start`,
          );
        }
        say(`  type a message as chat ${options.chatId}`);
        await chatUntilStopped(telegramWebhook, async (line) => {
          const { status } = await telegram.customerSays(options.chatId, line, {
            name: options.name,
          });
          if (status !== undefined && status >= 300) {
            say(webhookRefused(status, telegramWebhook, options.tenant));
          }
        });
        await telegram.close();
      },
    );
}
