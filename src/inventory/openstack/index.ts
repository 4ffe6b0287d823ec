import { GatewayError } from '../../core/errors.js';
import type {
  ApiVersion,
  AvailabilityZone,
  Flavor,
  Image,
  InventoryContent,
  Network,
  Region,
  ServiceEntry,
  VolumeType,
  UnknownPart,
} from '../model.js';
import { part, type InventorySource, type SourceContext, type SourceOutcome } from '../source.js';
import { collectVolumeTypes } from './cinder.js';
import type { CloudConfig } from './clouds-config.js';
import { collectImages } from './glance.js';
import { authenticate, listRegions, type CatalogEndpoint } from './keystone.js';
import { collectExternalNetworks, collectNetworkExtensions, collectNetworkZones } from './neutron.js';
import { collectFlavors } from './nova.js';
import { osAvailabilityZones } from './zones.js';
import { currentVersion, describeVersion, discoverVersions } from './versions.js';

/** Services whose failure makes the source partial; others are reported as warnings. */
const CORE_TYPES = new Set(['compute', 'image', 'volumev3', 'block-storage', 'volume', 'network', 'identity']);

export interface OpenStackSourceOptions {
  /** Page size for paginated lists. */
  pageSize?: number;
}

/** An OpenStack cloud read through Keystone's catalog: Nova, Glance, Cinder, Neutron and the rest. */
export class OpenStackSource implements InventorySource {
  readonly kind = 'openstack' as const;
  readonly id: string;
  readonly endpoint: string;

  constructor(
    private readonly cloud: CloudConfig,
    private readonly options: OpenStackSourceOptions = {},
  ) {
    this.id = `openstack:${cloud.name}`;
    this.endpoint = cloud.authUrl;
  }

  async collect(ctx: SourceContext): Promise<SourceOutcome> {
    const cloud = this.cloud;
    const errors: string[] = [];
    const unknown: UnknownPart[] = [];
    /** A part whose failure leaves a kind of resource unknown in a region (not absent). */
    const tracked = <T>(kind: UnknownPart['kind'], region: string, what: string, fallback: T, fn: () => Promise<T>) =>
      part(errors, what, fallback, async () => {
        try {
          return await fn();
        } catch (err) {
          unknown.push({ kind, region });
          throw err;
        }
      });
    const warnings: string[] = [];
    const apiVersions: Record<string, string> = {};
    const http = ctx.createHttp({ ...(cloud.cacert ? { ca: cloud.cacert } : {}), insecure: cloud.insecure });
    if (cloud.insecure) warnings.push('TLS certificate verification is disabled for this cloud (insecure: true)');
    const pageSize = this.options.pageSize ?? 1000;
    try {
      ctx.progress(`${this.id}: authenticating at ${cloud.authUrl}`);
      const session = await authenticate(http, cloud);
      const token = session.token;
      const endpoints = session.catalog.filter((e) => e.interface === cloud.interface);
      let regionIds = [...new Set(endpoints.map((e) => e.region))].sort();
      if (cloud.regionName) {
        if (!regionIds.includes(cloud.regionName)) {
          throw new GatewayError(
            `cloud "${cloud.name}": region ${cloud.regionName} is not in the service catalog (it has: ${regionIds.join(', ')})`,
            'bad-cloud-config',
          );
        }
        regionIds = [cloud.regionName];
      }
      const describedP = part(warnings, 'regions', [] as { id: string; description?: string }[], () =>
        listRegions(http, cloud, session),
      );
      const multi = regionIds.length > 1;
      const content: Partial<InventoryContent> = {
        regions: [],
        services: [],
        flavors: [],
        images: [],
        volumeTypes: [],
        networks: [],
      };

      await Promise.all(
        regionIds.map(async (region) => {
          const here = endpoints.filter((e) => e.region === region);
          const find = (...types: string[]): CatalogEndpoint | undefined =>
            types.map((t) => here.find((e) => e.type === t)).find(Boolean);
          const label = (type: string) => (multi ? `${region}/${type}` : type);
          // Version discovery runs alongside data collection.
          const versionsOf = new Map<CatalogEndpoint, Promise<ApiVersion[]>>();
          for (const e of here) {
            const sink = CORE_TYPES.has(e.type) ? errors : warnings;
            versionsOf.set(
              e,
              part(sink, `${label(e.type)} versions`, [] as ApiVersion[], () => discoverVersions(http, e.url, token)),
            );
          }
          const servicesDone = Promise.all(
            here.map(async (e): Promise<ServiceEntry> => {
              const versions = await versionsOf.get(e)!;
              const current = currentVersion(versions, e.url);
              if (current) apiVersions[label(e.type)] = describeVersion(current);
              // The service's public endpoint, not the catalog URL with this account's project in it.
              return {
                type: e.type,
                name: e.name,
                region,
                source: this.id,
                endpoint: publicEndpoint(e.url, session.projectId),
                versions,
              };
            }),
          );
          const zones: Region['availabilityZones'] = { compute: [], volume: [], network: [] };
          const ctxR = { source: this.id, region, pageSize };
          let flavors: Flavor[] = [];
          let images: Image[] = [];
          let volumeTypes: VolumeType[] = [];
          let networks: Network[] = [];
          let networkExtensions: string[] | undefined;
          const compute = find('compute');
          const image = find('image');
          const volume = find('block-storage', 'volumev3', 'volume');
          const network = find('network');
          const jobs: Promise<unknown>[] = [];
          if (compute) {
            jobs.push(
              tracked('flavors', region, `${label('compute')} flavors`, [] as Flavor[], () =>
                collectFlavors(http, compute.url, token, ctxR),
              ).then((f) => (flavors = f)),
              tracked(
                'availabilityZones',
                region,
                `${label('compute')} availability zones`,
                [] as AvailabilityZone[],
                () => osAvailabilityZones(http, compute.url, token),
              ).then((z) => (zones.compute = z)),
            );
          } else warnings.push(`${region}: no compute service in the catalog`);
          if (image)
            jobs.push(
              tracked('images', region, `${label('image')} images`, [] as Image[], () =>
                collectImages(http, image.url, token, ctxR),
              ).then((i) => (images = i)),
            );
          if (volume) {
            jobs.push(
              tracked('volumeTypes', region, `${label(volume.type)} volume types`, [] as VolumeType[], () =>
                collectVolumeTypes(http, volume.url, token, ctxR, errors),
              ).then((v) => (volumeTypes = v)),
              tracked(
                'availabilityZones',
                region,
                `${label(volume.type)} availability zones`,
                [] as AvailabilityZone[],
                () => osAvailabilityZones(http, volume.url, token),
              ).then((z) => (zones.volume = z)),
            );
          }
          if (network) {
            jobs.push(
              tracked('networks', region, `${label('network')} external networks`, [] as Network[], () =>
                collectExternalNetworks(http, network.url, token, ctxR),
              ).then((n) => (networks = n)),
              part(errors, `${label('network')} extensions`, [] as string[], () =>
                collectNetworkExtensions(http, network.url, token),
              ).then(async (ext) => {
                networkExtensions = ext;
                if (ext.includes('availability_zone')) {
                  zones.network = await tracked(
                    'availabilityZones',
                    region,
                    `${label('network')} availability zones`,
                    [] as AvailabilityZone[],
                    () => collectNetworkZones(http, network.url, token),
                  );
                }
              }),
            );
          }
          await Promise.all(jobs);
          const services = await servicesDone;
          const networkService = network
            ? services.find(
                (s) => s.endpoint === publicEndpoint(network.url, session.projectId) && s.type === 'network',
              )
            : undefined;
          if (networkService && networkExtensions) networkService.extensions = networkExtensions;
          ctx.progress(
            `${this.id}: ${region}: ${flavors.length} flavors, ${images.length} images, ${volumeTypes.length} volume types, ${networks.length} external networks`,
          );
          const desc = (await describedP).find((d) => d.id === region)?.description;
          content.regions!.push({
            id: region,
            source: this.id,
            ...(desc ? { description: desc } : {}),
            availabilityZones: zones,
          });
          content.services!.push(...services);
          content.flavors!.push(...flavors);
          content.images!.push(...images);
          content.volumeTypes!.push(...volumeTypes);
          content.networks!.push(...networks);
        }),
      );
      return {
        content,
        errors,
        ...(unknown.length ? { unknown } : {}),
        warnings,
        apiVersions,
        requests: http.stats.requests,
        retries: http.stats.retries,
        requestMs: http.stats.totalMs,
      };
    } finally {
      await http.close();
    }
  }
}

/**
 * A catalog URL without the project-specific part (`…/v3/<project id>`, `…/v1/AUTH_<project id>`,
 * a `%(project_id)s` template): what a catalogue may publish for everybody.
 */
export function publicEndpoint(url: string, projectId: string | undefined): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  const segments = u.pathname.split('/');
  const cut = segments.findIndex(
    (s) =>
      (projectId !== undefined && (s === projectId || s === `AUTH_${projectId}`)) ||
      /^(AUTH_)?(%|%25)(\(|%28)(project_id|tenant_id)(\)|%29)s$/i.test(s),
  );
  if (cut < 0) return url;
  u.pathname = segments.slice(0, cut).join('/') || '/';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}
