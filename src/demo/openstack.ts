// A fake OpenStack (Keystone v3, Nova 2.1, Glance v2, Cinder v3, Neutron v2.0, Placement) that
// answers like the real services for what gx-gateway reads: the response shapes follow the
// api-ref documentation and responses captured from the Debian Zed services of openstack-lite.
// Run on its own: node dist/src/demo/openstack.js [port]
import { randomUUID, createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths.js';
import { startFake, type FakeServer } from './http.js';
import { pythonJson, pythonUtcNow } from './python.js';

export interface SeedFlavor {
  name: string;
  vcpus: number;
  ramMiB: number;
  diskGiB: number;
  public: boolean;
  extraSpecs: Record<string, string>;
}
export interface SeedImage {
  name: string;
  diskFormat: string;
  containerFormat: string;
  minDiskGiB: number;
  minRamMiB: number;
  visibility: string;
  tags: string[];
  properties: Record<string, string>;
  /** os_hidden: listed only when asked for with os_hidden=true (scs-0102 keeps replaced images hidden). */
  hidden?: boolean;
}
export interface SeedVolumeType {
  name: string;
  description: string;
  public: boolean;
  extraSpecs: Record<string, string>;
  encryption?: { provider: string; cipher: string; keySizeBits: number; controlLocation: string };
}
export interface SeedNetwork {
  name: string;
  external: boolean;
  shared: boolean;
  providerNetworkType: string;
  physicalNetwork: string;
  mtu: number;
  subnets: { name: string; cidr: string; ipVersion: number }[];
}
export interface OpenStackSeed {
  region: string;
  availabilityZones: { compute: string[]; volume: string[]; network: string[] };
  flavors: SeedFlavor[];
  images: SeedImage[];
  volumeTypes: SeedVolumeType[];
  networks: SeedNetwork[];
}

export const seedFile = join(packageRoot, 'data', 'demo', 'openstack-seed.json');

export function loadSeed(): OpenStackSeed {
  return JSON.parse(readFileSync(seedFile, 'utf8')) as OpenStackSeed;
}

/** A large synthetic cloud for benchmarks. */
export function syntheticSeed(flavors: number, images: number): OpenStackSeed {
  const base = loadSeed();
  return {
    ...base,
    flavors: Array.from({ length: flavors }, (_, i) => ({
      name: `SCS-${(i % 16) + 1}V-${((i % 8) + 1) * 4}-${(i % 5) * 20 + 20}s-${i}`.replace(/-(\d+)$/, ''),
      vcpus: (i % 16) + 1,
      ramMiB: ((i % 8) + 1) * 4096,
      diskGiB: (i % 5) * 20 + 20,
      public: true,
      extraSpecs: { 'scs:cpu-type': 'shared-core', 'scs:disk0-type': 'ssd', idx: String(i) },
    })),
    images: Array.from({ length: images }, (_, i) => ({
      ...base.images[i % base.images.length]!,
      name: `${base.images[i % base.images.length]!.name} build ${i}`,
    })),
  };
}

export interface FakeOpenStackOptions {
  seed?: OpenStackSeed;
  latencyMs?: number;
  port?: number;
  username?: string;
  password?: string;
  project?: string;
  /** Largest page the fake returns, whatever limit the client asks for (like Nova's max_limit). */
  maxLimit?: number;
  /** Highest compute microversion (default 2.93; below 2.61 extra specs are not inline). */
  maxMicroversion?: string;
}

export interface FakeOpenStack extends FakeServer {
  authUrl: string;
  cloudsYaml(name?: string): string;
  /** Image ids as Glance lists them. */
  imageIds(): string[];
  /** Delete an image, as `openstack image delete` would (false: no such image). */
  deleteImage(id: string): boolean;
  /**
   * Its oslo.messaging notifications (messagingv2, as Glance sends them to RabbitMQ), for changes
   * made through its API (image create, upload, delete): `notification` events of
   * { exchange, routingKey, body } — the in-process channel of the demo cloud.
   */
  notifications: EventEmitter<{ notification: [OsloMessage] }>;
}

/** A notification as it would sit in RabbitMQ: the exchange, the routing key and the body's bytes. */
export interface OsloMessage {
  exchange: string;
  routingKey: string;
  body: Buffer;
}

const uuid = (s: string) => {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

function page<T extends { id: string }>(items: T[], url: URL, maxLimit: number): { items: T[]; next?: string } {
  const limit = Math.min(Number(url.searchParams.get('limit') ?? maxLimit) || maxLimit, maxLimit);
  const marker = url.searchParams.get('marker');
  const start = marker ? items.findIndex((i) => i.id === marker) + 1 : 0;
  const slice = items.slice(start, start + limit);
  if (start + limit >= items.length || slice.length === 0) return { items: slice };
  const next = new URL(url.toString());
  next.searchParams.set('marker', slice[slice.length - 1]!.id);
  return { items: slice, next: next.pathname + next.search };
}

export async function startFakeOpenStack(opts: FakeOpenStackOptions = {}): Promise<FakeOpenStack> {
  const seed = opts.seed ?? loadSeed();
  const user = opts.username ?? 'gx-inventory';
  const password = opts.password ?? 'gx-inventory-secret';
  const projectName = opts.project ?? 'gx-demo';
  const projectId = uuid(`project:${projectName}`);
  const maxLimit = opts.maxLimit ?? 1000;
  const maxMicroversion = opts.maxMicroversion ?? '2.93';
  const tokens = new Set<string>();
  const flavors = seed.flavors
    .map((f, i) => ({ ...f, id: uuid(`flavor:${i}:${f.name}`) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  type FakeImage = SeedImage & { id: string; status?: string; createdAt?: string; updatedAt?: string };
  const images: FakeImage[] = seed.images
    .map((img, i) => ({ ...img, id: uuid(`image:${i}:${img.name}`) }))
    .sort((a, b) => a.id.localeCompare(b.id));
  const notifications = new EventEmitter<{ notification: [OsloMessage] }>();
  /** Glance's notification of an image (its v1-style payload), as oslo.messaging puts it on the wire. */
  const notifyImage = (eventType: string, i: FakeImage, deleted = false) => {
    const payload = {
      id: i.id,
      name: i.name,
      status: deleted ? 'deleted' : (i.status ?? 'active'),
      created_at: i.createdAt ?? '2026-11-20T08:00:00Z',
      updated_at: i.updatedAt ?? '2026-11-20T08:00:05Z',
      min_disk: i.minDiskGiB,
      min_ram: i.minRamMiB,
      protected: false,
      checksum: i.status === 'queued' ? null : createHash('md5').update(i.name).digest('hex'),
      owner: projectId.replace(/-/g, ''),
      disk_format: i.diskFormat,
      container_format: i.containerFormat,
      size: i.status === 'queued' ? null : 2048,
      virtual_size: null,
      is_public: i.visibility === 'public',
      visibility: i.visibility,
      properties: i.properties,
      tags: i.tags,
      deleted,
      deleted_at: deleted ? new Date().toISOString().replace(/\.\d+Z$/, 'Z') : null,
    };
    const message = {
      message_id: randomUUID(),
      publisher_id: 'image.localhost',
      event_type: eventType,
      priority: 'INFO',
      payload,
      timestamp: pythonUtcNow(),
      _unique_id: randomUUID().replace(/-/g, ''),
    };
    notifications.emit('notification', {
      exchange: 'glance',
      routingKey: 'notifications.info',
      body: Buffer.from(pythonJson({ 'oslo.version': '2.0', 'oslo.message': pythonJson(message) })),
    });
  };
  const glanceError = (status: number, message: string) => ({
    status,
    text: `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${message}<br /><br />\n\n\n\n </body>\n</html>`,
    headers: { 'content-type': 'text/html; charset=UTF-8' },
  });
  const READ_ONLY = [
    'id',
    'status',
    'created_at',
    'updated_at',
    'size',
    'virtual_size',
    'checksum',
    'owner',
    'file',
    'self',
    'schema',
  ];
  const imageView = (i: FakeImage) => ({
    ...i.properties,
    name: i.name,
    disk_format: i.diskFormat,
    container_format: i.containerFormat,
    visibility: i.visibility,
    size: i.status === 'queued' ? null : 2048,
    virtual_size: null,
    status: i.status ?? 'active',
    checksum: i.status === 'queued' ? null : createHash('md5').update(i.name).digest('hex'),
    protected: false,
    min_ram: i.minRamMiB,
    min_disk: i.minDiskGiB,
    owner: projectId,
    os_hidden: Boolean(i.hidden),
    os_hash_algo: i.status === 'queued' ? null : 'sha512',
    os_hash_value: i.status === 'queued' ? null : createHash('sha512').update(i.name).digest('hex'),
    id: i.id,
    created_at: i.createdAt ?? '2026-11-20T08:00:00Z',
    updated_at: i.updatedAt ?? '2026-11-20T08:00:05Z',
    tags: i.tags,
    self: `/v2/images/${i.id}`,
    file: `/v2/images/${i.id}/file`,
    schema: '/v2/schemas/image',
  });
  const types = [
    { name: '__DEFAULT__', description: 'Default Volume Type', public: true, extraSpecs: {} } as SeedVolumeType,
    ...seed.volumeTypes.filter((v) => v.name !== '__DEFAULT__'),
  ].map((v) => ({ ...v, id: uuid(`type:${v.name}`) }));
  const networks = seed.networks.map((n) => ({ ...n, id: uuid(`net:${n.name}`) }));
  let base = '';
  const authed = (headers: Record<string, unknown>) => tokens.has(String(headers['x-auth-token'] ?? ''));
  const unauthorized = {
    status: 401,
    json: {
      error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
    },
  };
  const versionsDoc = (id: string, min: string, max: string, status = 'CURRENT') => ({
    versions: [{ id, status, version: max, min_version: min, links: [{ rel: 'self', href: `${base}/` }] }],
  });

  const server = await startFake(
    async (req, url, body) => {
      const p = url.pathname;
      if (p === '/identity/v3/auth/tokens' && req.method === 'POST') {
        const auth = (
          JSON.parse(body || '{}') as {
            auth?: {
              identity?: {
                methods?: string[];
                password?: { user?: { name?: string; password?: string } };
                token?: { id?: string };
              };
            };
          }
        ).auth;
        // Token authentication: Keystone answers 404 for a token it does not recognize.
        const tokenAuth = auth?.identity?.methods?.includes('token');
        if (tokenAuth && !tokens.has(String(auth?.identity?.token?.id ?? '')))
          return {
            status: 404,
            json: { error: { code: 404, title: 'Not Found', message: 'Could not recognize Fernet token' } },
          };
        const u = auth?.identity?.password?.user;
        if (!tokenAuth && (u?.name !== user || u.password !== password))
          return {
            status: 401,
            json: {
              error: {
                code: 401,
                title: 'Unauthorized',
                message: 'The request you have made requires authentication.',
              },
            },
          };
        const token = randomUUID().replace(/-/g, '');
        tokens.add(token);
        const ep = (type: string, name: string, url: string) => ({
          type,
          name,
          id: uuid(type),
          endpoints: ['public', 'internal', 'admin'].map((i) => ({
            id: uuid(`${type}:${i}`),
            interface: i,
            region: seed.region,
            region_id: seed.region,
            url,
          })),
        });
        return {
          status: 201,
          headers: { 'x-subject-token': token },
          json: {
            token: {
              methods: ['password'],
              expires_at: '2099-01-01T00:00:00.000000Z',
              project: { id: projectId, name: projectName, domain: { id: 'default', name: 'Default' } },
              user: { id: uuid(`user:${user}`), name: user, domain: { id: 'default', name: 'Default' } },
              roles: [{ id: uuid('role:admin'), name: 'admin' }],
              catalog: [
                ep('identity', 'keystone', `${base}/identity/v3`),
                ep('compute', 'nova', `${base}/compute/v2.1`),
                ep('image', 'glance', `${base}/image`),
                ep('volumev3', 'cinderv3', `${base}/volume/v3/${projectId}`),
                ep('block-storage', 'cinder', `${base}/volume/v3/${projectId}`),
                ep('network', 'neutron', `${base}/network`),
                ep('placement', 'placement', `${base}/placement`),
              ],
            },
          },
        };
      }
      if (p === '/identity/' || p === '/identity')
        return {
          status: 300,
          json: {
            versions: {
              values: [{ id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: `${base}/identity/v3/` }] }],
            },
          },
        };
      if (p === '/identity/v3/regions')
        return authed(req.headers)
          ? { json: { regions: [{ id: seed.region, description: 'Fake region', parent_region_id: null }] } }
          : unauthorized;
      if (p === '/compute/' || p === '/compute')
        return {
          json: {
            versions: [
              { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '' },
              { id: 'v2.1', status: 'CURRENT', version: maxMicroversion, min_version: '2.1' },
            ],
          },
        };
      if (p === '/image/' || p === '/image')
        return {
          status: 300,
          json: {
            versions: ['2.15', '2.9', '2.0'].map((v, i) => ({
              id: `v${v}`,
              status: i === 0 ? 'CURRENT' : 'SUPPORTED',
            })),
          },
        };
      if (p === '/volume/' || p === '/volume') return { status: 300, json: versionsDoc('v3.0', '3.0', '3.70') };
      if (p === '/network/' || p === '/network') return { json: { versions: [{ id: 'v2.0', status: 'CURRENT' }] } };
      if (p === '/placement/' || p === '/placement')
        return { json: { versions: [{ id: 'v1.0', status: 'CURRENT', max_version: '1.39', min_version: '1.0' }] } };
      if (!authed(req.headers)) return unauthorized;
      const [, minor = '0'] = maxMicroversion.split('.');
      const asked = /compute (\d+)\.(\d+)/.exec(String(req.headers['openstack-api-version'] ?? ''));
      if (asked && Number(asked[2]) > Number(minor)) {
        return {
          status: 406,
          json: {
            computeFault: {
              code: 406,
              message: `Version ${asked[1]}.${asked[2]} is not supported by the API. Minimum is 2.1 and maximum is ${maxMicroversion}.`,
            },
          },
        };
      }
      const inline = Boolean(asked) && Number(asked![2]) >= 61;
      if (p === '/compute/v2.1/flavors/detail') {
        const { items, next } = page(flavors, url, maxLimit);
        return {
          json: {
            flavors: items.map((f) => ({
              id: f.id,
              name: f.name,
              ram: f.ramMiB,
              disk: f.diskGiB,
              swap: '',
              vcpus: f.vcpus,
              'OS-FLV-EXT-DATA:ephemeral': 0,
              'OS-FLV-DISABLED:disabled': false,
              'os-flavor-access:is_public': f.public,
              rxtx_factor: 1.0,
              description: null,
              links: [],
              ...(inline ? { extra_specs: f.extraSpecs } : {}),
            })),
            ...(next ? { flavors_links: [{ rel: 'next', href: `${base}${next}` }] } : {}),
          },
        };
      }
      const spec = /^\/compute\/v2\.1\/flavors\/([^/]+)\/os-extra_specs$/.exec(p);
      if (spec) {
        const f = flavors.find((x) => x.id === spec[1]);
        return f ? { json: { extra_specs: f.extraSpecs } } : undefined;
      }
      if (p === '/compute/v2.1/os-availability-zone')
        return {
          json: {
            availabilityZoneInfo: seed.availabilityZones.compute.map((z) => ({
              zoneName: z,
              zoneState: { available: true },
              hosts: null,
            })),
          },
        };
      // Glance v2 writes: create (201, queued), upload the data (204, active), delete (204); each
      // sends the notifications Glance sends (image.create; image.update, .prepare, .upload,
      // .activate, .update; image.delete).
      if (p === '/image/v2/images' && req.method === 'POST') {
        let spec: Record<string, unknown>;
        try {
          spec = JSON.parse(body || '{}') as Record<string, unknown>;
        } catch {
          return glanceError(400, 'Malformed JSON in request body.');
        }
        if (!spec || typeof spec !== 'object' || Array.isArray(spec))
          return glanceError(400, 'Malformed JSON in request body.');
        const readOnly = READ_ONLY.find((k) => k in spec);
        if (readOnly) return glanceError(403, `Attribute '${readOnly}' is read-only.`);
        const visibility = String(spec.visibility ?? 'shared');
        if (!['public', 'private', 'shared', 'community'].includes(visibility))
          return glanceError(400, `Invalid value '${visibility}' for parameter 'visibility'`);
        const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const core = new Set([
          'name',
          'disk_format',
          'container_format',
          'visibility',
          'min_disk',
          'min_ram',
          'tags',
          'protected',
          'os_hidden',
        ]);
        const image: FakeImage = {
          id: randomUUID(),
          name: String(spec.name ?? ''),
          diskFormat: String(spec.disk_format ?? 'raw'),
          containerFormat: String(spec.container_format ?? 'bare'),
          minDiskGiB: Number(spec.min_disk ?? 0),
          minRamMiB: Number(spec.min_ram ?? 0),
          visibility,
          tags: Array.isArray(spec.tags) ? spec.tags.map(String) : [],
          properties: Object.fromEntries(
            Object.entries(spec)
              .filter(([k, v]) => !core.has(k) && typeof v === 'string')
              .map(([k, v]) => [k, v as string]),
          ),
          status: 'queued',
          createdAt: now,
          updatedAt: now,
        };
        images.push(image);
        images.sort((a, b) => a.id.localeCompare(b.id));
        notifyImage('image.create', image);
        return { status: 201, json: imageView(image) };
      }
      const oneImage = /^\/image\/v2\/images\/([0-9a-f-]{36})(\/file)?$/.exec(p);
      if (oneImage && (req.method === 'PUT' || req.method === 'DELETE')) {
        const image = images.find((i) => i.id === oneImage[1]);
        if (!image) return glanceError(404, `No image found with ID ${oneImage[1]}`);
        if (req.method === 'PUT' && oneImage[2]) {
          if (image.status !== 'queued')
            return glanceError(
              409,
              `Image status transition from ${image.status ?? 'active'} to saving is not allowed`,
            );
          image.status = 'saving';
          notifyImage('image.update', image);
          notifyImage('image.prepare', image);
          notifyImage('image.upload', image);
          image.status = 'active';
          image.updatedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          notifyImage('image.activate', image);
          notifyImage('image.update', image);
          return { status: 204, text: '' };
        }
        if (req.method === 'DELETE' && !oneImage[2]) {
          images.splice(images.indexOf(image), 1);
          notifyImage('image.delete', image, true);
          return { status: 204, text: '' };
        }
      }
      if (p === '/image/v2/images') {
        // As Glance v2 lists: community images only with visibility=community or all; hidden
        // (os_hidden) images only with os_hidden=true, and then only those.
        const visibility = url.searchParams.get('visibility');
        const hidden = url.searchParams.get('os_hidden') === 'true';
        const listed = images.filter(
          (i) =>
            Boolean(i.hidden) === hidden &&
            (visibility === 'all' || (visibility ? i.visibility === visibility : i.visibility !== 'community')),
        );
        const { items, next } = page(listed, url, maxLimit);
        return {
          json: {
            images: items.map(imageView),
            first: '/v2/images',
            schema: '/v2/schemas/images',
            ...(next ? { next: next.replace(/^\/image/, '') } : {}),
          },
        };
      }
      const vol = /^\/volume\/v3\/([^/]+)(\/.*)$/.exec(p);
      if (vol) {
        const rest = vol[2]!;
        if (rest === '/types')
          return {
            json: {
              volume_types: types.map((t) => ({
                id: t.id,
                name: t.name,
                description: t.description,
                is_public: t.public,
                'os-volume-type-access:is_public': t.public,
                extra_specs: t.extraSpecs,
                qos_specs_id: null,
              })),
            },
          };
        const enc = /^\/types\/([^/]+)\/encryption$/.exec(rest);
        if (enc) {
          const t = types.find((x) => x.id === enc[1]);
          if (!t) return undefined;
          return {
            json: t.encryption
              ? {
                  volume_type_id: t.id,
                  encryption_id: uuid(`enc:${t.id}`),
                  provider: t.encryption.provider,
                  cipher: t.encryption.cipher,
                  key_size: t.encryption.keySizeBits,
                  control_location: t.encryption.controlLocation,
                  deleted: false,
                }
              : {},
          };
        }
        if (rest === '/os-availability-zone')
          return {
            json: {
              availabilityZoneInfo: seed.availabilityZones.volume.map((z) => ({
                zoneName: z,
                zoneState: { available: true },
              })),
            },
          };
      }
      if (p === '/network/v2.0/networks') {
        const list = networks.filter((n) => url.searchParams.get('router:external') !== 'true' || n.external);
        const { items, next } = page(list, url, maxLimit);
        return {
          json: {
            networks: items.map((n) => ({
              id: n.id,
              name: n.name,
              'router:external': n.external,
              shared: n.shared,
              status: 'ACTIVE',
              mtu: n.mtu,
              'provider:network_type': n.providerNetworkType,
              'provider:physical_network': n.physicalNetwork,
              availability_zones: [],
              availability_zone_hints: [],
              subnets: n.subnets.map((s) => uuid(`subnet:${s.name}`)),
              project_id: projectId,
              admin_state_up: true,
            })),
            ...(next ? { networks_links: [{ rel: 'next', href: `${base}${next}` }] } : {}),
          },
        };
      }
      if (p === '/network/v2.0/subnets') {
        const ids = url.searchParams.getAll('network_id');
        return {
          json: {
            subnets: networks
              .filter((n) => ids.includes(n.id))
              .flatMap((n) =>
                n.subnets.map((s) => ({
                  id: uuid(`subnet:${s.name}`),
                  name: s.name,
                  cidr: s.cidr,
                  ip_version: s.ipVersion,
                  network_id: n.id,
                })),
              ),
          },
        };
      }
      if (p === '/network/v2.0/extensions')
        return {
          json: {
            extensions: [
              'availability_zone',
              'external-net',
              'network_availability_zone',
              'pagination',
              'provider',
              'router',
            ].map((alias) => ({ alias, name: alias, description: '' })),
          },
        };
      if (p === '/network/v2.0/availability_zones')
        return {
          json: {
            availability_zones: seed.availabilityZones.network.map((name) => ({
              name,
              resource: 'network',
              state: 'available',
            })),
          },
        };
      return undefined;
    },
    {
      ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
    },
  );
  base = server.url;
  const authUrl = `${server.url}/identity/v3`;
  return {
    ...server,
    authUrl,
    cloudsYaml: (name = 'fake') =>
      `clouds:\n  ${name}:\n    auth:\n      auth_url: ${authUrl}\n      username: ${user}\n      password: ${password}\n      project_name: ${projectName}\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: ${seed.region}\n    interface: public\n`,
    imageIds: () => images.map((i) => i.id),
    notifications,
    deleteImage(id: string) {
      const at = images.findIndex((i) => i.id === id);
      if (at < 0) return false;
      images.splice(at, 1);
      return true;
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeOpenStack({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake OpenStack at ${fake.url}\n${fake.cloudsYaml()}`);
}
