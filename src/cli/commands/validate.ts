import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import type { ValidationReport } from '../../validate/report.js';
import { PROFILES, type ProfileId } from '../../core/ids.js';
import type { SetMember } from '../../validate/validate.js';
import { withService, type GlobalOptions } from '../context.js';
import { parseCredentialText, readInput, writeOutput } from '../io.js';
import { progress } from '../progress.js';

function files(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new GatewayError(`cannot read ${path}: no such file or directory`, 'bad-input');
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.(json|jsonld|jwt)$/.test(f) && f !== 'manifest.json')
    .sort()
    .map((f) => join(path, f));
}

export function validateCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('validate <paths...>')
    .description(
      'validate credentials (files or folders; presentations are validated credential by credential) against the Gaia-X SHACL shapes and the credential JSON Schema; exit 1 on violations',
    )
    .option('--profile <profile>', `${PROFILES.join(' | ')} (default: from the credential's contexts)`)
    .option('--strict', 'fail on warnings too')
    .option('--json', 'print the reports as JSON')
    .option(
      '--each',
      'validate each credential on its own (default: all of them as one graph, as a clearing house validates a presentation, so references between them resolve)',
    )
    .action(async (paths: string[], o: { profile?: string; strict?: boolean; json?: boolean; each?: boolean }) => {
      if (o.profile && !(PROFILES as string[]).includes(o.profile))
        throw new GatewayError(`--profile must be one of ${PROFILES.join(', ')} (got "${o.profile}")`, 'usage');
      const [{ renderReport }, { credentialsIn, validateCredentials }] = await Promise.all([
        import('../../validate/report.js'),
        import('../../validate/validate.js'),
      ]);
      await withService(globals(), async (svc) => {
        const members: SetMember[] = [];
        const { maxDocumentBytes } = svc.loaded.config.jsonld;
        const max = svc.loaded.config.limits.maxSetCredentials;
        for (const file of paths.flatMap(files)) {
          const text = readInput(file, maxDocumentBytes);
          let credentials;
          try {
            credentials = credentialsIn(parseCredentialText(text.trim(), file));
          } catch (err) {
            if (err instanceof GatewayError) throw err;
            throw new GatewayError(
              `${file}: neither a JSON credential nor a JWT (${(err as Error).message})`,
              'bad-input',
            );
          }
          if (members.length + credentials.length > max) {
            throw new GatewayError(
              `more than ${max} credentials to validate as one set (limits.maxSetCredentials); validate fewer at once`,
              'too-large',
            );
          }
          for (const [i, credential] of credentials.entries()) {
            const subject = credentials.length > 1 ? `${file}#${i + 1}` : file;
            members.push({ credential, subject });
          }
        }
        const opts = {
          canonizer: svc.canonizer,
          ...(o.profile ? { profile: o.profile as ProfileId } : {}),
          strict: Boolean(o.strict),
          onProgress: progress(members.length),
        };
        const reports: ValidationReport[] = [];
        if (o.each) for (const m of members) reports.push(...(await validateCredentials([m], opts)));
        else reports.push(...(await validateCredentials(members, opts)));
        writeOutput(o.json ? JSON.stringify(reports, null, 2) : reports.map(renderReport).join('\n'));
        if (reports.some((r) => !r.conforms)) process.exitCode = 1;
      });
    });
}
