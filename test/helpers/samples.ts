// Sample inputs shared by tests, benchmarks and the demo.
import type { CloudConfig } from '../../src/inventory/openstack/clouds-config.js';
import type { CredentialRow } from '../../src/store/store.js';

/** The clouds.yaml-equivalent config for a fake OpenStack (startFakeOpenStack's default user). */
export function fakeCloudConfig(authUrl: string, name = 'fake'): CloudConfig {
  return {
    name,
    authUrl,
    auth: { type: 'password', username: 'gx-inventory', password: 'gx-inventory-secret' },
    scope: { kind: 'project', projectName: 'gx-demo' },
    interface: 'public',
    insecure: false,
    origin: 'test',
  };
}

/** A Gaia-X 25.11 LegalPerson credential that conforms to the official shapes. */
export function sampleLegalPerson(base = 'https://provider.example', issuer = 'did:web:provider.example') {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    id: `${base}/credentials/legal-person`,
    issuer,
    validFrom: '2026-01-15T10:00:00Z',
    credentialSubject: {
      id: `${base}/legal-person#subject`,
      type: 'LegalPerson',
      name: 'Example Cloud GmbH',
      registrationNumber: {
        id: `${base}/registration-number#vat`,
        type: 'VatID',
        vatID: 'DE123456789',
        countryCode: 'DE',
      } as Record<string, unknown>,
      legalAddress: { type: 'Address', countryCode: 'DE', locality: 'Berlin' } as Record<string, unknown>,
      headquartersAddress: { type: 'Address', countryCode: 'DE', locality: 'Berlin' } as Record<string, unknown>,
    } as Record<string, unknown>,
  };
}

/**
 * A stored credential row for tests and benchmarks that write the store directly: its base id and
 * version from `id` (`…/v/N`), a published 25.11 legal person otherwise, `o` for what matters.
 */
export function credentialRow(id: string, o: Partial<CredentialRow> = {}): CredentialRow {
  const at = '2026-12-01T00:00:00.000Z';
  return {
    id,
    base_id: id.replace(/\/v\/\d+$/, ''),
    version: Number(/\/v\/(\d+)$/.exec(id)?.[1] ?? 1),
    cloud_id: 'demo',
    profile: 'gaia-x-25.11',
    kind: 'legal-person',
    subject: `${id}#subject`,
    types: '[]',
    clearing_house: 1,
    content_hash: 'h',
    state: 'published',
    media_type: 'application/vc+ld+json',
    body: '{}',
    status_list: 'list',
    status_index: 0,
    run_id: 'run',
    created_at: at,
    published_at: at,
    superseded_at: null,
    superseded_by: null,
    revoked_at: null,
    updated_at: at,
    decided_by: null,
    decided_at: null,
    reason: null,
    signed_with: null,
    revocation_proposed: null,
    ...o,
  };
}
