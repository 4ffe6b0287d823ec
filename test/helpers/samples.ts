// Sample inputs shared by tests, benchmarks and the demo.
import type { CloudConfig } from '../../src/inventory/openstack/clouds-config.js';

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
