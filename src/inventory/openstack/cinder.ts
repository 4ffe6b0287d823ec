import { HttpError, Limiter, type HttpClient } from '../../net/http-client.js';
import type { VolumeType } from '../model.js';
import { sortedRecord } from '../source.js';
import { paginate, withQuery } from './paginate.js';

interface RawType {
  id: string;
  name: string;
  description?: string | null;
  is_public?: boolean;
  'os-volume-type-access:is_public'?: boolean;
  extra_specs?: Record<string, string>;
}

/** `[scs:encrypted, replicated]` aspects in a volume type description (scs-0114). */
export function scsAspects(description: string | undefined): string[] {
  const m = /\[scs:([^\]]*)\]/.exec(description ?? '');
  if (!m) return [];
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .sort();
}

export async function collectVolumeTypes(
  http: HttpClient,
  endpoint: string,
  token: string,
  ctx: { source: string; region: string; pageSize: number },
  errors: string[],
): Promise<VolumeType[]> {
  const headers = { 'x-auth-token': token };
  const raw = await paginate<RawType>(
    http,
    withQuery(`${endpoint}/types`, { is_public: 'None' }),
    headers,
    'volume_types',
  );
  const limiter = new Limiter(http.options.concurrency);
  let encryptionDenied = false;
  const types = await Promise.all(
    raw.map((t) =>
      limiter.run(async () => {
        let encryption: VolumeType['encryption'];
        try {
          const res = await http.getJson<Record<string, unknown>>(
            `${endpoint}/types/${encodeURIComponent(t.id)}/encryption`,
            headers,
          );
          const e = (res.body.encryption ?? res.body) as Record<string, unknown>;
          if (e && typeof e.provider === 'string') {
            encryption = {
              provider: e.provider,
              ...(typeof e.cipher === 'string' ? { cipher: e.cipher } : {}),
              ...(typeof e.key_size === 'number' ? { keySizeBits: e.key_size } : {}),
              ...(typeof e.control_location === 'string' ? { controlLocation: e.control_location } : {}),
            };
          }
        } catch (err) {
          if (err instanceof HttpError && (err.status === 403 || err.status === 401)) encryptionDenied = true;
          else errors.push(`volume type ${t.name} encryption: ${(err as Error).message}`);
        }
        const description = t.description ?? undefined;
        const vt: VolumeType = {
          id: t.id,
          name: t.name,
          source: ctx.source,
          region: ctx.region,
          ...(description ? { description } : {}),
          public: t.is_public ?? t['os-volume-type-access:is_public'] ?? true,
          extraSpecs: sortedRecord(t.extra_specs ?? {}),
          ...(encryption ? { encryption } : {}),
          availabilityZones: (t.extra_specs?.['RESKEY:availability_zones'] ?? '')
            .split(',')
            .map((z) => z.trim())
            .filter(Boolean)
            .sort(),
          scsAspects: scsAspects(description),
        };
        return vt;
      }),
    ),
  );
  if (encryptionDenied)
    errors.push(
      "volume type encryption: not allowed for this user (HTTP 403): Cinder lets only admins read it by default (policy volume_extension:volume_type_encryption:get, rule admin_api), a reader role is not enough; allow it for the inventory user in Cinder's policy.yaml, or use an admin account",
    );
  return types;
}
