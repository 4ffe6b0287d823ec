import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { CredentialService } from '../../src/app/credential-service.js';

export interface TempGateway {
  dir: string;
  service: CredentialService;
  configFile: string;
  cleanup(): Promise<void>;
}

/** A credential service in a fresh temporary directory, configured from a real YAML file. */
export function tempGateway(config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): TempGateway {
  const dir = mkdtempSync(join(tmpdir(), 'gxg-test-'));
  const configFile = join(dir, 'gx-gateway.yaml');
  writeFileSync(configFile, stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'keys' }, ...config }));
  const loaded = loadConfig({ file: configFile, env });
  const service = CredentialService.open(loaded, env);
  return {
    dir,
    service,
    configFile,
    async cleanup() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function tagusCredential(
  did: string,
  id = 'https://provider.example/credentials/participant',
): Record<string, unknown> {
  return {
    '@context': [
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/suites/jws-2020/v1',
      'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#',
    ],
    type: ['VerifiableCredential'],
    id,
    issuer: did,
    issuanceDate: '2026-01-15T10:00:00Z',
    credentialSubject: {
      // One subject per credential: two credentials about one subject merge into one node when validated together.
      id:
        id === 'https://provider.example/credentials/participant'
          ? 'https://provider.example/participant#subject'
          : `${id}#subject`,
      type: 'gx:LegalParticipant',
      'gx:legalName': 'Example Cloud GmbH',
      'gx:legalRegistrationNumber': {
        id: 'https://provider.example/registration-number#subject',
        'gx:vatID': 'DE123456789',
      },
      'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
      'gx:legalAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
    },
  };
}

export function loireCredential(
  did: string,
  id = 'https://provider.example/credentials/legal-person',
): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    id,
    issuer: did,
    validFrom: '2026-01-15T10:00:00Z',
    validUntil: '2036-01-15T10:00:00Z',
    credentialSubject: {
      id:
        id === 'https://provider.example/credentials/legal-person'
          ? 'https://provider.example/legal-person#subject'
          : `${id}#subject`,
      type: 'LegalPerson',
      name: 'Example Cloud GmbH',
      registrationNumber: {
        id: 'https://provider.example/registration-number#vat',
        type: 'VatID',
        vatID: 'DE123456789',
        countryCode: 'DE',
      },
      legalAddress: { type: 'Address', countryCode: 'DE', locality: 'Berlin' },
      headquartersAddress: { type: 'Address', countryCode: 'DE', locality: 'Berlin' },
    },
  };
}
