import type { Command } from 'commander';
import { writeOutput } from '../io.js';

export function contextsCommand(program: Command): void {
  program
    .command('contexts')
    .description('list the JSON-LD contexts gx-gateway serves offline, with their source')
    .option('--json', 'print machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const { bundledContexts } = await import('../../credentials/contexts.js');
      const list = [...bundledContexts().values()].map((c) => ({ url: c.url, source: c.source }));
      writeOutput(o.json ? JSON.stringify(list, null, 2) : list.map((c) => `${c.url}  (${c.source})`).join('\n'));
    });
}
