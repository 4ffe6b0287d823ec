import type { Command } from 'commander';
import { bundledContexts } from '../../credentials/contexts.js';
import { writeOutput } from '../io.js';

export function contextsCommand(program: Command): void {
  program
    .command('contexts')
    .description('list the JSON-LD contexts gx-gateway serves offline, with their source')
    .option('--json', 'print machine-readable output')
    .action((o: { json?: boolean }) => {
      const list = [...bundledContexts().values()].map((c) => ({ url: c.url, source: c.source }));
      writeOutput(o.json ? JSON.stringify(list, null, 2) : list.map((c) => `${c.url}  (${c.source})`).join('\n'));
    });
}
