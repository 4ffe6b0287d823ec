import type { HttpClient } from '../../net/http-client.js';
import type { Image } from '../model.js';
import { typeImageMetadata } from '../scs/image-metadata.js';
import { paginate, withQuery } from './paginate.js';
import { unversionedRoot } from './versions.js';

/** Glance core fields; everything else in an image is a (custom) property. */
const CORE = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'size',
  'virtual_size',
  'min_disk',
  'min_ram',
  'disk_format',
  'container_format',
  'checksum',
  'created_at',
  'updated_at',
  'tags',
  'protected',
  'os_hidden',
  'owner',
  'file',
  'schema',
  'self',
  'direct_url',
  'locations',
  'stores',
]);

type RawImage = Record<string, unknown> & {
  id: string;
  name?: string | null;
  status: string;
  visibility: string;
  tags?: string[];
};

/** Public and community images (what a provider offers), with scs-0102 metadata typed. */
export async function collectImages(
  http: HttpClient,
  endpoint: string,
  token: string,
  ctx: { source: string; region: string; pageSize: number },
): Promise<Image[]> {
  const root = unversionedRoot(endpoint);
  const base = `${root}/v2/images`;
  const resolveNext = (href: string) => (/^https?:/.test(href) ? href : `${root}${href}`);
  // Glance leaves community images out unless visibility=all, and hidden images (os_hidden, kept by
  // scs-0102 for replaced images that stay usable by UUID) unless os_hidden=true: list both.
  const list = (query: Record<string, string | number>) =>
    paginate<RawImage>(
      http,
      withQuery(base, { ...query, limit: ctx.pageSize }),
      { 'x-auth-token': token },
      'images',
      resolveNext,
    );
  const [shown, hidden] = await Promise.all([
    list({ visibility: 'all' }),
    list({ visibility: 'all', os_hidden: 'true' }),
  ]);
  const byId = new Map<string, RawImage>();
  for (const i of [...shown, ...hidden]) byId.set(i.id, i);
  const raw = [...byId.values()];
  return raw
    .filter((i) => i.visibility === 'public' || i.visibility === 'community')
    .map((i) => {
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(i)) if (!CORE.has(k)) properties[k] = v;
      // os_hidden is core in Glance and an scs-0102 property.
      if (i.os_hidden !== undefined) properties.os_hidden = i.os_hidden;
      const typed = typeImageMetadata(properties, i.tags ?? []);
      const algo = typeof i.os_hash_algo === 'string' ? i.os_hash_algo : undefined;
      const hash = typeof i.os_hash_value === 'string' ? i.os_hash_value : undefined;
      const image: Image = {
        id: i.id,
        name: i.name ?? '',
        source: ctx.source,
        region: ctx.region,
        status: i.status,
        visibility: i.visibility,
        ...(typeof i.size === 'number' ? { sizeBytes: i.size } : {}),
        ...(typeof i.virtual_size === 'number' ? { virtualSizeBytes: i.virtual_size } : {}),
        minDiskGiB: Number(i.min_disk ?? 0),
        minRamMiB: Number(i.min_ram ?? 0),
        ...(typeof i.disk_format === 'string' ? { diskFormat: i.disk_format } : {}),
        ...(typeof i.container_format === 'string' ? { containerFormat: i.container_format } : {}),
        ...(algo && hash
          ? { checksum: { algorithm: algo, value: hash } }
          : typeof i.checksum === 'string'
            ? { checksum: { algorithm: 'md5', value: i.checksum } }
            : {}),
        ...(typeof i.created_at === 'string' ? { createdAt: i.created_at } : {}),
        ...(typeof i.updated_at === 'string' ? { updatedAt: i.updated_at } : {}),
        tags: [...(i.tags ?? [])].sort(),
        hidden: i.os_hidden === true,
        protected: i.protected === true,
        scs: typed.scs,
        otherProperties: typed.otherProperties,
        ...(typed.warnings.length ? { warnings: typed.warnings } : {}),
      };
      return image;
    });
}
