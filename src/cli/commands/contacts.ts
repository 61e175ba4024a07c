/** `omni contacts export|erase`: data-subject requests (LGPD) from the shell. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { eraseContact, exportContact, findContact } from '../../ops/index.ts';
import { getTenant } from '../../tenancy/index.ts';
import { CliError, printJson, say, withRuntime } from '../output.ts';

export function registerContactCommands(program: Command): void {
  const contacts = program
    .command('contacts')
    .description('export or erase everything stored about one contact (LGPD)');

  contacts
    .command('export <contact>')
    .description('print (or write) every row about a contact: by id, channel id, phone or e-mail')
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--out <file>', 'write the JSON to this file instead of stdout')
    .action((reference: string, options: { tenant: string; out?: string }) =>
      withRuntime(async ({ database }) => {
        const tenant = await getTenant(database.db, options.tenant);
        const contact = await findContact(database.db, tenant.id, reference);
        const data = await exportContact(database.db, contact);
        if (!options.out) return printJson(data);
        await writeFile(options.out, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
        say(`Wrote ${data.messages.length} messages of contact ${contact.id} to ${options.out}.`);
      }),
    );

  contacts
    .command('erase <contact>')
    .description('delete a contact with its conversations and scrub its identity from every table')
    .requiredOption('--tenant <tenant>', 'tenant slug or id')
    .option('--yes', 'do it (erasure cannot be undone)')
    .option('--json', 'print what was erased as JSON')
    .action((reference: string, options: { tenant: string; yes?: boolean; json?: boolean }) =>
      withRuntime(async ({ database, media }) => {
        const tenant = await getTenant(database.db, options.tenant);
        const contact = await findContact(database.db, tenant.id, reference);
        if (!options.yes) {
          throw new CliError(
            `This erases contact ${contact.id} and everything about it for good; run again with --yes.`,
          );
        }
        const report = await eraseContact(database.db, contact, { type: 'cli' }, media.store);
        if (options.json) printJson(report);
        else
          say(
            `Erased contact ${report.contactId}: ${report.conversations} conversations deleted, identity scrubbed from ${Object.keys(report.scrubbed).length} other columns, ${report.mediaFiles} media files deleted.`,
          );
      }),
    );
}
