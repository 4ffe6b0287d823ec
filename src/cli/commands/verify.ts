import type { Command } from 'commander';
import type { VerificationReport } from '../../credentials/verify.js';
import { withService, type GlobalOptions } from '../context.js';
import { readInput, writeOutput } from '../io.js';

function renderReport(r: VerificationReport, indent = ''): string {
  const head = `${indent}${r.valid ? 'VALID' : 'INVALID'} ${r.kind}${r.id ? ` ${r.id}` : ''}${r.proof ? ` [${r.proof}]` : ''}${r.issuer ? ` issued by ${r.issuer}` : ''}`;
  const lines = [head, ...r.checks.map((c) => `${indent}  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check}${c.message ? `: ${c.message}` : ''}`)];
  for (const inner of r.credentials ?? []) lines.push(renderReport(inner, `${indent}    `));
  return lines.join('\n');
}

export function verifyCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('verify <file>')
    .description('verify a credential or presentation (JSON-LD proof or JWT); exit 0 only when valid')
    .option('--json', 'print the report as JSON')
    .option('--offline', 'do not fetch x5u certificate chains')
    .option('--challenge <text>', 'the challenge a presentation must carry')
    .action(async (file: string, o: { json?: boolean; offline?: boolean; challenge?: string }) => {
      await withService(globals(), async (svc) => {
        const report = await svc.verify(readInput(file), { ...(o.offline ? { skipX5u: true } : {}), ...(o.challenge ? { challenge: o.challenge } : {}) });
        writeOutput(o.json ? JSON.stringify(report, null, 2) : renderReport(report));
        if (!report.valid) process.exitCode = 1;
      });
    });
}
