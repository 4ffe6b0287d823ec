import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import { SUITE_IDS, type SuiteId } from '../../core/ids.js';
import type { Secured } from '../../credentials/suites/suite.js';
import { withService, type GlobalOptions } from '../context.js';
import { readCredentialFile, writeOutput } from '../io.js';
import { statSync } from 'node:fs';

/** Credentials named by --related: files, or folders of them (describe outputs). */
async function related(
  paths: string[] | undefined,
  maxBytes: number,
  maxFiles: number,
): Promise<(Record<string, unknown> | string)[]> {
  const { readCredentialDir } = await import('../../describe/output.js');
  return (paths ?? []).flatMap((p) => {
    let dir: boolean;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      throw new GatewayError(`--related ${p}: no such file or folder`, 'bad-input');
    }
    return dir ? readCredentialDir(p, { maxBytes, maxFiles }) : [readCredentialFile(p, maxBytes)];
  });
}

function render(secured: Secured): string {
  return secured.format === 'jwt' ? secured.jwt : JSON.stringify(secured.document, null, 2);
}

function suiteOption(value: string): SuiteId {
  if (!(SUITE_IDS as string[]).includes(value))
    throw new GatewayError(`--suite must be one of ${SUITE_IDS.join(', ')} (got "${value}")`, 'usage');
  return value as SuiteId;
}

export function signCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('sign <file>')
    .description('sign a credential (JSON) with the gateway key; prints the signed credential or vc+jwt')
    .option('--suite <suite>', `${SUITE_IDS.join(' | ')} (default from the configuration: jws2020)`)
    .option('--key <id>', 'key id (default: the active key, or the first key the suite can use)')
    .option('--related <paths...>', 'credentials (files or folders) it references, validated together with it')
    .option('--allow-expired', 'sign even though validUntil / expirationDate has passed (warns)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      async (
        file: string,
        o: { suite?: string; key?: string; output?: string; related?: string[]; allowExpired?: boolean },
      ) => {
        await withService(globals(), async (svc) => {
          const suite = o.suite ? { suite: suiteOption(o.suite) } : {};
          const { maxDocumentBytes } = svc.loaded.config.jsonld;
          const input = readCredentialFile(file, maxDocumentBytes);
          if (typeof input === 'string')
            throw new GatewayError(`${file} is a JWT already; sign the credential JSON`, 'bad-input');
          const until = input.validUntil ?? input.expirationDate;
          if (o.allowExpired && typeof until === 'string' && Date.parse(until) < Date.now()) {
            process.stderr.write(`warning: signing a credential that expired on ${until} (--allow-expired)\n`);
          }
          const secured = await svc.signCredential(input, {
            ...suite,
            ...(o.allowExpired ? { allowExpired: true } : {}),
            ...(o.key ? { keyId: o.key } : {}),
            related: await related(o.related, maxDocumentBytes, svc.loaded.config.limits.maxSetCredentials),
          });
          writeOutput(render(secured), o.output);
        });
      },
    );

  program
    .command('present <files...>')
    .description('bundle credentials in a presentation (unsigned ones are signed first); vc-jose gives a vp+jwt')
    .option('--suite <suite>', `${SUITE_IDS.join(' | ')}`)
    .option('--key <id>', 'key id')
    .option('--unsigned', 'leave the presentation itself unsigned (Tagus clearing houses accept it)')
    .option(
      '--challenge <text>',
      "the verifier's challenge, signed into the presentation (vc-jose: nonce; not with jws2020, whose Gaia-X flavour cannot sign it)",
    )
    .option('--domain <text>', "the verifier's domain, signed into the presentation (vc-jose: aud)")
    .option(
      '--related <paths...>',
      'further credentials the presented ones reference, validated with them (not presented)',
    )
    .option('--id <iri>', 'presentation id')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      async (
        files: string[],
        o: {
          suite?: string;
          key?: string;
          unsigned?: boolean;
          challenge?: string;
          domain?: string;
          id?: string;
          output?: string;
          related?: string[];
        },
      ) => {
        await withService(globals(), async (svc) => {
          const suite = o.suite ? { suite: suiteOption(o.suite) } : {};
          const { maxDocumentBytes } = svc.loaded.config.jsonld;
          const inputs = files.map((f) => readCredentialFile(f, maxDocumentBytes));
          const secured = await svc.present(inputs, {
            ...suite,
            ...(o.key ? { keyId: o.key } : {}),
            ...(o.unsigned ? { signPresentation: false } : {}),
            ...(o.challenge ? { challenge: o.challenge } : {}),
            ...(o.domain ? { domain: o.domain } : {}),
            ...(o.id ? { id: o.id } : {}),
            related: await related(o.related, maxDocumentBytes, svc.loaded.config.limits.maxSetCredentials),
          });
          writeOutput(render(secured), o.output);
        });
      },
    );
}
