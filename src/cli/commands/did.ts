import type { Command } from 'commander';
import { withService, type GlobalOptions } from '../context.js';
import { writeOutput } from '../io.js';

export function didCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('did')
    .description("print the gateway's DID and its DID document")
    .option('--json', 'print only the DID document')
    .action(async (o: { json?: boolean }) => {
      await withService(globals(), async (svc) => {
        const doc = await svc.didDocument();
        if (o.json) return writeOutput(JSON.stringify(doc, null, 2));
        const { didDocumentPath } = await import('../../credentials/did-web.js');
        const url = new URL(didDocumentPath(svc.loaded.config.publicBaseUrl), svc.loaded.config.publicBaseUrl);
        writeOutput(`${svc.did}\nserved at ${url.href}\n${JSON.stringify(doc, null, 2)}`);
      });
    });
}
