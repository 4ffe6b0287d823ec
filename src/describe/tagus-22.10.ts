import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTEXTS } from '../credentials/contexts.js';
import { GatewayError } from '../core/errors.js';
import type { JsonObject } from '../credentials/suites/suite.js';
import type { Inventory } from '../inventory/model.js';
import { shapesDir } from '../paths.js';
import { contentHash } from './hash.js';
import { iris } from './iri.js';
import type { CredentialKind, DescribeContext, DescribedCredential, DescribeProfile } from './model.js';
import { notaryCredentials } from './notary.js';
import { kubernetesVersions, offeredFlavors, offeredImages } from './offered.js';
import { conformanceFacts } from './scs.js';

const RELEASE = '22.10';
const CONTEXT = [CONTEXTS.credentialsV1, CONTEXTS.jws2020, CONTEXTS.tagus2210];

let termsText: string | undefined;

/** The Gaia-X terms the 22.10 shapes require verbatim (`sh:hasValue`), read from the bundled shapes. */
export function tagusTermsAndConditions(): string {
  if (termsText === undefined) {
    const doc = JSON.parse(readFileSync(join(shapesDir, 'gaia-x', '22.10', 'gx_shacl.json'), 'utf8')) as {
      '@graph': JsonObject[];
    };
    const shape = doc['@graph'].find((n) => n['@id'] === 'gx:GaiaXTermsAndConditionsShape');
    const value = (shape?.['sh:property'] as JsonObject | undefined)?.['sh:hasValue'] as string | undefined;
    if (!value)
      throw new GatewayError('the bundled 22.10 shapes lack the Gaia-X terms and conditions text', 'internal');
    termsText = value;
  }
  return termsText;
}

const REGISTRATION_KEY: Record<string, string | undefined> = {
  vatID: 'gx:vatID',
  leiCode: 'gx:leiCode',
  EORI: 'gx:EORI',
  EUID: 'gx:EUID',
  taxID: 'gx:taxID',
  local: undefined,
};

/**
 * Trust Framework 22.10 ("Tagus", VC Data Model 1.1), still served by GXDCH: gx:LegalParticipant,
 * gx:legalRegistrationNumber, gx:GaiaXTermsAndConditions and a gx:ServiceOffering per offering.
 * Everything references by subject id and is validated, like the clearing house does, as one graph.
 */
export const tagus2210: DescribeProfile = {
  id: 'tagus-22.10',
  describe(inv: Inventory, ctx: DescribeContext) {
    const warnings: string[] = [];
    const i = iris(ctx.baseUrl);
    const p = ctx.provider;
    if (!ctx.issued) throw new GatewayError('the 22.10 profile (VC Data Model 1.1) needs an issuance date', 'usage');
    const wrap = (kind: CredentialKind, path: string[], subject: JsonObject, scs = false): DescribedCredential => {
      const id = i.credential(scs ? `${RELEASE}-scs` : RELEASE, ...path);
      const credential: JsonObject = {
        '@context': scs ? [CONTEXTS.credentialsV1, CONTEXTS.scsV1] : CONTEXT,
        type: ['VerifiableCredential'],
        id,
        issuer: ctx.issuer,
        issuanceDate: ctx.issued,
        credentialSubject: subject,
      };
      return {
        id,
        kind,
        subject: String(subject.id),
        clearingHouse: !scs,
        contentHash: contentHash(credential),
        credential,
      };
    };
    const out: DescribedCredential[] = [];
    const participant = i.subject('legal-participant');

    // Registration number: the notary's credential when given, else self-described.
    let registrationId: string | undefined;
    for (const { described, subjectIds } of notaryCredentials(ctx.registrationNumberCredentials)) {
      if (!subjectIds.length) continue;
      registrationId ??= subjectIds[0];
      out.push(described);
    }
    const numbers = p.registrationNumbers.filter((n) => REGISTRATION_KEY[n.type]);
    if (!registrationId && numbers.length) {
      registrationId = i.subject('legal-registration-number');
      const subject: JsonObject = { id: registrationId, type: 'gx:legalRegistrationNumber' };
      for (const n of numbers) subject[REGISTRATION_KEY[n.type]!] = n.value;
      out.push(wrap('registration-number', ['legal-registration-number'], subject));
    }
    if (!registrationId)
      warnings.push('provider: no registration number the 22.10 shapes know (vatID, leiCode, EORI, EUID, taxID)');
    const subdivision = (a = p.legalAddress) => a.countrySubdivisionCode;
    if (!subdivision() || !subdivision(p.headquartersAddress ?? p.legalAddress)) {
      warnings.push(
        'provider: 22.10 addresses need an ISO 3166-2 country subdivision code (provider.legalAddress.countrySubdivisionCode)',
      );
    }
    out.push(
      wrap('legal-person', ['legal-participant'], {
        id: participant,
        type: 'gx:LegalParticipant',
        'gx:legalName': p.legalName,
        ...(registrationId ? { 'gx:legalRegistrationNumber': { id: registrationId } } : {}),
        'gx:headquarterAddress': {
          'gx:countrySubdivisionCode': subdivision(p.headquartersAddress ?? p.legalAddress) ?? '',
        },
        'gx:legalAddress': { 'gx:countrySubdivisionCode': subdivision() ?? '' },
      }),
    );
    out.push(
      wrap('terms-and-conditions', ['gaia-x-terms-and-conditions'], {
        id: i.subject('gaia-x-terms-and-conditions'),
        type: 'gx:GaiaXTermsAndConditions',
        'gx:termsAndConditions': tagusTermsAndConditions(),
      }),
    );

    const offering = (path: string[], name: string, description: string) =>
      wrap('service-offering', path, {
        id: i.subject(...path),
        type: 'gx:ServiceOffering',
        'gx:name': name,
        'gx:description': description,
        'gx:providedBy': { id: participant },
        'gx:policy': p.policy,
        'gx:termsAndConditions': { 'gx:URL': p.termsAndConditions.url, 'gx:hash': p.termsAndConditions.hash },
        'gx:dataAccountExport': {
          'gx:requestType': p.dataAccountExport.requestType,
          'gx:accessType': p.dataAccountExport.accessType,
          'gx:formatType': p.dataAccountExport.formatType,
        },
        ...(p.dataProtectionRegime.length ? { 'gx:dataProtectionRegime': p.dataProtectionRegime } : {}),
      });
    for (const region of inv.regions) {
      const flavors = offeredFlavors(inv, region.id);
      const images = offeredImages(inv, region.id, p.images.includePrivate);
      if (flavors.length && images.length) {
        out.push(
          offering(
            ['regions', region.id, 'offerings', 'compute'],
            `${p.legalName} virtual machines (${region.id})`,
            `OpenStack Nova in region ${region.id}: flavors ${flavors.map((f) => f.name).join(', ')}; images ${images.map((m) => m.name).join(', ')}.`,
          ),
        );
      }
      const volumes = inv.volumeTypes.filter((v) => v.region === region.id && v.public);
      if (volumes.length)
        out.push(
          offering(
            ['regions', region.id, 'offerings', 'block-storage'],
            `${p.legalName} block storage (${region.id})`,
            `OpenStack Cinder; volume types ${volumes.map((v) => v.name).join(', ')}.`,
          ),
        );
      if (inv.services.some((s) => s.type === 'network' && s.region === region.id)) {
        out.push(
          offering(
            ['regions', region.id, 'offerings', 'network'],
            `${p.legalName} networking (${region.id})`,
            `OpenStack Neutron in region ${region.id}.`,
          ),
        );
      }
      if (inv.services.some((s) => ['object-store', 's3'].includes(s.type) && s.region === region.id)) {
        out.push(
          offering(
            ['regions', region.id, 'offerings', 'object-storage'],
            `${p.legalName} object storage (${region.id})`,
            `Object storage in region ${region.id}.`,
          ),
        );
      }
    }
    for (const c of inv.kubernetesClusters) {
      out.push(
        offering(
          ['kubernetes', c.id, 'offering'],
          `${p.legalName} Kubernetes (${c.id})`,
          `Kubernetes clusters via Cluster API; versions ${kubernetesVersions(c).join(', ')}.`,
        ),
      );
    }
    for (const r of inv.conformance) {
      for (const subject of conformanceFacts(r, participant, (v) => i.subject('conformance', r.scope.uuid, v))) {
        out.push(wrap('scs-facts', ['conformance', r.scope.uuid, String(subject.scopeVersion)], subject, true));
      }
    }
    return { credentials: out, warnings };
  },
};
