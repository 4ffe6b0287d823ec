import type { HttpClient } from '../../net/http-client.js';
import type { AvailabilityZone } from '../model.js';

/** `GET {endpoint}/os-availability-zone`, which Nova and Cinder answer alike. */
export async function osAvailabilityZones(
  http: HttpClient,
  endpoint: string,
  token: string,
): Promise<AvailabilityZone[]> {
  const res = await http.getJson<{ availabilityZoneInfo: { zoneName: string; zoneState: { available: boolean } }[] }>(
    `${endpoint}/os-availability-zone`,
    { 'x-auth-token': token },
  );
  return res.body.availabilityZoneInfo.map((z) => ({ name: z.zoneName, available: z.zoneState.available }));
}
