import type { Command } from 'commander';
import type { VerificationReport } from '../../credentials/verify.js';
import { withService, type GlobalOptions } from '../context.js';
import { parseCredentialText, readInput, writeOutput } from '../io.js';

function renderVerification(r: VerificationReport, indent = ''): string {
  const head = `${indent}${r.valid ? 'VALID' : 'INVALID'} ${r.kind}${r.id ? ` ${r.id}` : ''}${r.proof ? ` [${r.proof}]` : ''}${r.issuer ? ` issued by ${r.issuer}` : ''}${r.valid && !indent && r.trustAnchor === 'not-checked' ? ' (UNTRUSTED: trust anchor not checked)' : ''}`;
  const lines = [
    head,
    ...r.checks.map(
      (c) =>
        `${indent}  ${c.ok ? (c.notChecked ? 'WARN' : 'ok  ') : 'FAIL'} ${c.check}${c.message ? `: ${c.message}` : ''}`,
    ),
  ];
  for (const inner of r.credentials ?? []) lines.push(renderVerification(inner, `${indent}    `));
  return lines.join('\n');
}

export function verifyCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('verify <file>')
    .description(
      'verify a credential or presentation (JSON-LD proof or JWT); exit 0 only when valid, 2 when the input is not a credential at all',
    )
    .option('--json', 'print the report as JSON')
    .option('--offline', 'do not fetch x5u certificate chains (their trust anchor is then not checked)')
    .option('--challenge <text>', 'the challenge (vp+jwt: nonce) a presentation must be signed for')
    .option('--domain <text>', 'the domain (vp+jwt: aud) a presentation must be signed for')
    .action(async (file: string, o: { json?: boolean; offline?: boolean; challenge?: string; domain?: string }) => {
      await withService(globals(), async (svc) => {
        const { resolver } = svc.loaded.config;
        if (resolver.allowPrivateNetworks || resolver.allowHttp) {
          process.stderr.write(
            `warning: development switches are on in ${svc.loaded.source} (${[resolver.allowPrivateNetworks ? 'resolver.allowPrivateNetworks' : '', resolver.allowHttp ? 'resolver.allowHttp' : ''].filter(Boolean).join(', ')}): ` +
              'DID documents and x5u chains may be fetched from private networks or over http\n',
          );
        }
        const input = parseCredentialText(
          readInput(file, svc.loaded.config.jsonld.maxDocumentBytes).trim(),
          file === '-' ? 'standard input' : file,
        );
        const report = await svc.verify(input, {
          ...(o.offline ? { skipX5u: true } : {}),
          ...(o.challenge !== undefined ? { challenge: o.challenge } : {}),
          ...(o.domain !== undefined ? { domain: o.domain } : {}),
        });
        writeOutput(o.json ? JSON.stringify(report, null, 2) : renderVerification(report));
        if (!report.valid) process.exitCode = 1;
      });
    });
}
