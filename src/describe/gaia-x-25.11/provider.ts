import type { AddressConfig } from '../../config/schema.js';
import type { JsonObject } from '../../credentials/suites/suite.js';
import { GAIA_X_TERMS_HASH_DEPRECATED } from '../../config/schema.js';
import { notaryCredentials } from '../notary.js';
import type { DescribedCredential } from '../model.js';
import { compactObject, type Builder } from './envelope.js';

export function address(a: AddressConfig): JsonObject {
  return compactObject({
    type: 'Address',
    countryCode: a.countryCode,
    region: a.nutsRegion,
    streetAddress: a.streetAddress,
    postalCode: a.postalCode,
    locality: a.locality,
  });
}

const REGISTRATION: Record<string, { type: string; key: string }> = {
  vatID: { type: 'VatID', key: 'vatID' },
  leiCode: { type: 'LeiCode', key: 'leiCode' },
  EORI: { type: 'EORI', key: 'eori' },
  EUID: { type: 'EUID', key: 'euid' },
  taxID: { type: 'TaxID', key: 'https://schema.org/taxID' },
  local: { type: 'LocalRegistrationNumber', key: 'local' },
};

/**
 * The provider: gx:LegalPerson, its registration numbers (notary-issued credentials when given,
 * otherwise self-described from the configuration), and gx:Issuer with the Gaia-X terms hash.
 */
export function describeProvider(b: Builder): DescribedCredential[] {
  const p = b.ctx.provider;
  const out: DescribedCredential[] = [];
  const registrationIds: string[] = [];
  for (const { described, subjectIds } of notaryCredentials(b.ctx.registrationNumberCredentials)) {
    registrationIds.push(...subjectIds);
    out.push(described);
  }
  for (const n of p.registrationNumbers) {
    const m = REGISTRATION[n.type]!;
    const id = b.iris.subject('registration-number', n.type);
    registrationIds.push(id);
    const country =
      n.countryCode ??
      (n.type === 'vatID' && /^[A-Z]{2}/.test(n.value)
        ? n.value.slice(0, 2).replace('EL', 'GR')
        : n.type === 'leiCode' || n.type === 'EORI'
          ? p.legalAddress.countryCode
          : undefined);
    out.push(
      b.credential(
        'registration-number',
        ['registration-number', n.type],
        compactObject({
          id,
          type: m.type,
          [m.key]: n.value,
          ...(n.type === 'EORI'
            ? { country }
            : n.type === 'vatID' || n.type === 'leiCode'
              ? { countryCode: country }
              : {}),
          // ISO 3166-2: the only 25.11 place for it (addresses take NUTS 2 regions).
          ...(n.type === 'leiCode' ? { subdivisionCountryCode: p.legalAddress.countrySubdivisionCode } : {}),
        }),
      ),
    );
  }
  if (!registrationIds.length)
    b.warnings.push(
      'provider: no registration number (provider.registrationNumbers or provider.registrationNumberCredentials): gx:LegalPerson requires one',
    );
  out.unshift(
    b.credential(
      'legal-person',
      ['legal-person'],
      compactObject({
        id: b.legalPerson,
        type: 'LegalPerson',
        name: p.legalName,
        registrationNumber: registrationIds,
        legalAddress: address(p.legalAddress),
        headquartersAddress: address(p.headquartersAddress ?? p.legalAddress),
      }),
    ),
  );
  if (p.gaiaxTermsAndConditionsHash === GAIA_X_TERMS_HASH_DEPRECATED) {
    b.warnings.push(
      'provider.gaiaxTermsAndConditionsHash is the hash of the retired Gaia-X terms (deprecated since 2026-03-31)',
    );
  }
  out.push(
    b.credential('issuer', ['issuer'], {
      id: b.iris.subject('issuer'),
      type: 'Issuer',
      gaiaxTermsAndConditions: p.gaiaxTermsAndConditionsHash,
    }),
  );
  return out;
}
