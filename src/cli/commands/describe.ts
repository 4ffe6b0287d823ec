import type { Command } from 'commander';
import { GatewayError } from '../../core/errors.js';
import { PROFILES, type JsonObject, type ProfileId } from '../../core/ids.js';
import { withService, type GlobalOptions } from '../context.js';
import { readCredentialFile, readInput, writeOutput } from '../io.js';
import { progress } from '../progress.js';

function validFrom(value: string | undefined): string {
  const t = !value || value === 'now' ? Date.now() : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(t))
    throw new GatewayError(`--valid-from must be an ISO 8601 date-time or "now" (got "${value}")`, 'usage');
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function describeCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('describe <inventory>')
    .description(
      'map an inventory to unsigned Gaia-X credentials (one file each, plus manifest.json) and validate them as one set; writes nothing and exits 1 when any violates the shapes',
    )
    .requiredOption('--profile <profile>', PROFILES.join(' | '))
    .requiredOption('-o, --output <dir>', 'folder to write (replaced as a whole)')
    .option('--valid-from <date-time>', 'validity start of the credentials ("now" or ISO 8601)', 'now')
    .option('--strict', 'fail on warnings too')
    .action(async (file: string, o: { profile: string; output: string; validFrom?: string; strict?: boolean }) => {
      if (!(PROFILES as string[]).includes(o.profile))
        throw new GatewayError(`--profile must be one of ${PROFILES.join(', ')} (got "${o.profile}")`, 'usage');
      const issued = validFrom(o.validFrom);
      const [{ configPath }, { decodeJwt }, { writeDescribedSet }, schema, { renderReport }, { describeAndValidate }] =
        await Promise.all([
          import('../../config/load.js'),
          import('../../credentials/suites/vc-jose.js'),
          import('../../describe/output.js'),
          import('../../inventory/schema.js'),
          import('../../validate/report.js'),
          import('../../pipeline/describe.js'),
        ]);
      const assertInventory: (
        data: unknown,
        what?: string,
      ) => asserts data is Parameters<typeof describeAndValidate>[0] = schema.assertInventory;
      await withService(globals(), async (svc) => {
        const { limits } = svc.loaded.config;
        let inventory: unknown;
        try {
          inventory = JSON.parse(readInput(file, limits.maxInventoryBytes, 'limits.maxInventoryBytes'));
        } catch (err) {
          if (err instanceof GatewayError) throw err;
          throw new GatewayError(`${file} is not JSON: ${(err as Error).message}`, 'bad-input');
        }
        assertInventory(inventory, file);
        const provider = svc.loaded.config.provider;
        if (!provider)
          throw new GatewayError(
            `configuration ${svc.loaded.source} has no provider section (legal name, address, terms): see gx-gateway.example.yaml`,
            'bad-config',
          );
        const notary = provider.registrationNumberCredentials.map((f) => {
          const input = readCredentialFile(configPath(svc.loaded, f), svc.loaded.config.jsonld.maxDocumentBytes);
          return typeof input === 'string' ? (decodeJwt(input).payload as JsonObject) : (input as JsonObject);
        });
        let result;
        let report: ((done: number, total: number, phase: string) => void) | undefined;
        try {
          result = await describeAndValidate(inventory, o.profile as ProfileId, {
            provider,
            baseUrl: svc.loaded.config.publicBaseUrl,
            issuer: svc.did,
            issued,
            registrationNumberCredentials: notary,
            canonizer: svc.canonizer,
            strict: Boolean(o.strict),
            maxSetCredentials: limits.maxSetCredentials,
            onProgress: (done, total, phase) => (report ??= progress(total) ?? (() => {}))(done, total, phase),
          });
        } catch (err) {
          if (err instanceof GatewayError && err.code === 'too-large')
            throw new GatewayError(`${file}: ${err.message}; nothing written`, 'too-large');
          throw err;
        }
        const { set, reports, failed } = result;
        for (const w of set.warnings) process.stderr.write(`warning: ${w}\n`);
        if (failed.length) {
          writeOutput(failed.map(renderReport).join('\n'));
          throw new GatewayError(
            `${failed.length} of ${reports.length} credentials do not conform; nothing written`,
            'invalid-credential',
          );
        }
        writeDescribedSet(set, o.output);
        const offChain = set.credentials.filter((c) => !c.clearingHouse).length;
        process.stderr.write(
          `${set.credentials.length} credentials (${o.profile}; ${offChain} scs facts for catalogues only) conform; written to ${o.output}` +
            (set.unknown.length
              ? `; ${set.unknown.length} part(s) of the cloud unknown because a source failed (manifest.json: unknown), not removed`
              : '') +
            '\n',
        );
      });
    });

  program
    .command('diff <before> <after>')
    .description(
      'compare two credential folders (describe outputs): added, changed (field by field) and removed credentials',
    )
    .option('--json', 'print the diff as JSON')
    .action(async (before: string, after: string, o: { json?: boolean }) => {
      const [{ diffCredentials, renderDiff }, { readCredentialDir, readManifest }] = await Promise.all([
        import('../../describe/diff.js'),
        import('../../describe/output.js'),
      ]);
      // Parts of the cloud unknown in the newer run (a source failed) are not reported as removed.
      const d = diffCredentials(
        readCredentialDir(before),
        readCredentialDir(after),
        readManifest(after)?.unknown ?? [],
      );
      const ids = (l: { id: string }[]) => l.map((x) => x.id);
      writeOutput(
        o.json
          ? JSON.stringify({ ...d, added: ids(d.added), removed: ids(d.removed), unknown: ids(d.unknown) }, null, 2)
          : renderDiff(d),
      );
    });
}
