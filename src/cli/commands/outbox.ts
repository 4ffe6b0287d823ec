import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { writeOutput } from '../io.js';
import type { RemoteOptions } from '../officer-client.js';
import { remote, withClient } from './officer.js';

/** `gx-gateway outbox list|retry|drop`: what waits for clearing houses and catalogues. */
export function outboxCommands(program: Command, globals: () => GlobalOptions): void {
  const outbox = program
    .command('outbox')
    .description('deliveries to clearing houses and catalogues: backlog, dead letters');
  remote(
    outbox
      .command('list')
      .description('per target: backlog, dead letters, oldest pending, last delivery; then the items')
      .option('--target <name>', 'one target only')
      .option('--state <state>', 'pending, delivered, dead or dropped')
      .option('--limit <n>', 'items at most (default 100)', (v) => Number(v))
      .option('--json', 'print JSON'),
  ).action(async (o: RemoteOptions & { target?: string; state?: string; limit?: number; json?: boolean }) =>
    withClient(globals, o, async (c) => {
      const r = await c.outbox(o);
      if (o.json) return writeOutput(JSON.stringify(r, null, 2));
      if (!r.targets.length) writeOutput('the outbox is empty');
      for (const t of r.targets)
        writeOutput(
          `${t.target}: ${t.pending} pending${t.oldestPending ? ` (oldest ${t.oldestPending})` : ''}, ${t.dead} dead, last delivery ${t.lastDelivered ?? 'never'}`,
        );
      for (const i of r.items)
        writeOutput(
          `  ${i.state.padEnd(9)} ${i.id}  ${i.target} ${i.action} ${i.subject}${i.attempts ? `  (${i.attempts} attempts${i.lastError ? `: ${i.lastError}` : ''})` : ''}`,
        );
    }),
  );
  remote(
    outbox
      .command('retry')
      .description('re-drive a dead letter (due now, attempts from zero)')
      .argument('<id>', 'item id'),
  ).action(async (id: string, o: RemoteOptions) =>
    withClient(globals, o, async (c) => {
      await c.retryOutbox(id);
      writeOutput(`${id} is due now`);
    }),
  );
  remote(
    outbox.command('drop').description('give an item up: it is never delivered').argument('<id>', 'item id'),
  ).action(async (id: string, o: RemoteOptions) =>
    withClient(globals, o, async (c) => {
      await c.dropOutbox(id);
      writeOutput(`dropped ${id}`);
    }),
  );

  remote(
    program
      .command('publish')
      .description(
        'queue what each target lacks: catalogue entries of published credentials, compliance requests for changed or expiring sets (the running gateway delivers them)',
      )
      .option('--to <target>', 'one target only (a catalogue name, or compliance)')
      .option('--dry-run', 'only say what would be queued')
      .option('--json', 'print JSON'),
  ).action(async (o: RemoteOptions & { to?: string; dryRun?: boolean; json?: boolean }) =>
    withClient(globals, o, async (c) => {
      const r = await c.publish({ ...(o.to ? { to: o.to } : {}), dryRun: Boolean(o.dryRun) });
      if (o.json) return writeOutput(JSON.stringify(r, null, 2));
      if (!r.targets.length) writeOutput('no publish target is configured (the publish section)');
      for (const t of r.targets) {
        writeOutput(`${t.target}: ${t.queued} ${r.dryRun ? 'would be queued' : 'queued'}`);
        for (const id of t.items) writeOutput(`  ${id}`);
        if (t.queued > t.items.length) writeOutput(`  … and ${t.queued - t.items.length} more`);
      }
    }),
  );
  const compliance = program.command('compliance').description("the clearing houses' compliance credentials");
  remote(
    compliance
      .command('status')
      .description(
        'per cloud and profile: the compliance credential (valid until) or the refusal, and whether a submission is due',
      )
      .option('--cloud <id>', 'one cloud only')
      .option('--json', 'print JSON'),
  ).action(async (o: RemoteOptions & { cloud?: string; json?: boolean }) =>
    withClient(globals, o, async (c) => {
      const r = await c.complianceStatus(o.cloud);
      if (o.json) return writeOutput(JSON.stringify(r, null, 2));
      if (!r.clearingHouses.length && !r.registrationNumbers.length)
        return writeOutput('no clearing house is configured (publish.clearingHouses)');
      if (r.clearingHouses.length) writeOutput(`clearing houses, in order: ${r.clearingHouses.join(', ')}`);
      for (const i of r.items) {
        const what =
          i.state === 'issued'
            ? `issued by ${i.clearingHouse} at ${i.at}, valid until ${i.validUntil}, covers ${i.covered}: ${i.id}`
            : i.state === 'rejected'
              ? `REFUSED by ${i.clearingHouse} at ${i.at}: ${i.message}`
              : 'none yet';
        writeOutput(`${i.cloud} ${i.profile}: ${what}`);
        writeOutput(`  ${i.credentials} clearing-house credentials; ${i.due ? `due (${i.reason})` : i.reason}`);
      }
      for (const n of r.registrationNumbers)
        writeOutput(
          `${n.cloud} ${n.profile}: registration number from the notary ${n.issuer}, valid until ${n.validUntil ?? '(no end)'}: ${n.id}`,
        );
    }),
  );
}
