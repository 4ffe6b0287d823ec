import type { JsonObject } from '../../credentials/suites/suite.js';
import type { ServiceEntry } from '../../inventory/model.js';

/** gx:Endpoint: the public URL and the API versions it conforms to. */
export function endpoint(service: ServiceEntry, api: string, reference: string): JsonObject {
  const current = service.versions.filter((v) => ['CURRENT', 'SUPPORTED', 'stable'].includes(v.status));
  const versions = (current.length ? current : service.versions).map(
    (v) => `${v.id}${v.minVersion && v.maxVersion ? ` (microversions ${v.minVersion}–${v.maxVersion})` : ''}`,
  );
  return {
    type: 'Endpoint',
    endpointURL: service.endpoint,
    standardConformity: [
      {
        type: 'StandardConformity',
        title: versions.length ? `${api} ${versions.join(', ')}` : api,
        standardReference: reference,
      },
    ],
  };
}
