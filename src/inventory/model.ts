import type { ParsedFlavorName } from './scs/flavor-name.js';
import type { ScsImageMetadata } from './scs/image-metadata.js';

/**
 * The inventory: everything gx-gateway read from a deployment, typed, in a stable order, with a
 * content hash. Units are part of the field names (MiB, GiB, bytes) and exact.
 * The JSON Schema is schemas/inventory.schema.json.
 */
export interface Inventory {
  schemaVersion: 1;
  /** sha256 over the RFC 8785 canonical JSON of the inventory without `contentHash` and `run`. */
  contentHash: string;
  sources: SourceProvenance[];
  regions: Region[];
  services: ServiceEntry[];
  flavors: Flavor[];
  images: Image[];
  volumeTypes: VolumeType[];
  networks: Network[];
  kubernetesClusters: KubernetesCluster[];
  datacenters: Datacenter[];
  conformance: ConformanceResult[];
  /** Volatile facts of this run (times, durations); not part of the hash, left out unless asked for. */
  run?: RunInfo;
}

export type SourceKind = 'openstack' | 'kubernetes' | 'netbox' | 'scs-report' | 'scs-monitor';
export type SourceStatus = 'ok' | 'partial' | 'failed';

export interface SourceProvenance {
  /** e.g. `openstack:prod`, `kubernetes:admin@cluster`, `netbox`, `scs-report:report.yaml`. */
  id: string;
  kind: SourceKind;
  /** The endpoint read (no credentials). */
  endpoint: string;
  status: SourceStatus;
  /** Why the source failed, or the parts that failed when partial. */
  errors: string[];
  warnings: string[];
  /** API versions seen, by service, e.g. `{ "compute": "v2.1 (2.1–2.93)" }`. */
  apiVersions: Record<string, string>;
  /**
   * What this source could not read, so is unknown (not absent): a partial source names the parts;
   * a failed one is unknown as a whole. Nothing downstream may read these as removed.
   */
  unknown?: UnknownPart[];
}

/** A kind of resource a source could not read, in one region or everywhere. */
export interface UnknownPart {
  kind: 'flavors' | 'images' | 'volumeTypes' | 'networks' | 'availabilityZones';
  region?: string;
}

export interface RunInfo {
  startedAt: string;
  finishedAt: string;
  sources: {
    id: string;
    observedAt: string;
    durationMs: number;
    requests: number;
    retries: number;
    requestMs: number;
  }[];
}

export interface Region {
  /** Region id as the source names it (OpenStack region, or a NetBox region slug). */
  id: string;
  source: string;
  description?: string;
  /** Availability zones per service. */
  availabilityZones: { compute: AvailabilityZone[]; volume: AvailabilityZone[]; network: AvailabilityZone[] };
}

export interface AvailabilityZone {
  name: string;
  available: boolean;
}

export interface ServiceEntry {
  /** Catalog service type, e.g. compute, image, volumev3, network, placement, load-balancer. */
  type: string;
  name: string;
  region: string;
  source: string;
  /** Public endpoint (the interface the configuration selects). */
  endpoint: string;
  versions: ApiVersion[];
  /** Neutron API extensions (aliases), where the service has them. */
  extensions?: string[];
}

export interface ApiVersion {
  id: string;
  status: string;
  /** Microversion range, where the service has one. */
  minVersion?: string;
  maxVersion?: string;
}

export interface Flavor {
  id: string;
  name: string;
  source: string;
  region: string;
  vcpus: number;
  /** Nova `ram`: MiB. */
  ramMiB: number;
  /** Nova `disk`: GiB; 0 means boot from volume. */
  diskGiB: number;
  ephemeralGiB: number;
  /** Nova `swap`: MiB (0 when none). */
  swapMiB: number;
  public: boolean;
  disabled: boolean;
  description?: string;
  extraSpecs: Record<string, string>;
  scs?: FlavorScsFacts;
  warnings?: string[];
}

export interface FlavorScsFacts {
  /** Parsed from the flavor name, or from `scs:name-v2`/`scs:name-v1` when the name is not an SCS name. */
  name?: ParsedFlavorName;
  nameV1?: string;
  nameV2?: string;
  /** `scs:cpu-type`. */
  cpuType?: string;
  /** `scs:disk0-type`. */
  disk0Type?: string;
  /** `hw_rng:allowed`. */
  hardwareRng?: boolean;
  /** `hw:cpu_policy` is dedicated. */
  dedicatedCpu?: boolean;
}

export interface Image {
  id: string;
  name: string;
  source: string;
  region: string;
  status: string;
  visibility: string;
  /** Glance `size`: bytes. */
  sizeBytes?: number;
  /** Glance `virtual_size`: bytes. */
  virtualSizeBytes?: number;
  /** Glance `min_disk`: GiB. */
  minDiskGiB: number;
  /** Glance `min_ram`: MiB. */
  minRamMiB: number;
  diskFormat?: string;
  containerFormat?: string;
  checksum?: { algorithm: string; value: string };
  createdAt?: string;
  updatedAt?: string;
  tags: string[];
  hidden: boolean;
  protected: boolean;
  scs: ScsImageMetadata;
  /** Properties that are neither Glance core fields nor scs-0102, as they are. */
  otherProperties: Record<string, unknown>;
  warnings?: string[];
}

export interface VolumeType {
  id: string;
  name: string;
  source: string;
  region: string;
  description?: string;
  public: boolean;
  extraSpecs: Record<string, string>;
  encryption?: { provider: string; cipher?: string; keySizeBits?: number; controlLocation?: string };
  /** Zones the type is restricted to (`RESKEY:availability_zones`); empty means every zone. */
  availabilityZones: string[];
  /** SCS scs-0114 aspects declared in the description (`[scs:encrypted, replicated]`). */
  scsAspects: string[];
}

export interface Network {
  id: string;
  name: string;
  source: string;
  region: string;
  external: boolean;
  shared: boolean;
  status: string;
  mtu?: number;
  providerNetworkType?: string;
  availabilityZones: string[];
  subnets: { id: string; name: string; cidr: string; ipVersion: number }[];
}

export interface KubernetesCluster {
  /** The kubeconfig context. */
  id: string;
  source: string;
  server: string;
  version: { gitVersion: string; major: string; minor: string; platform?: string };
  nodes: KubernetesNode[];
  storageClasses: {
    name: string;
    provisioner: string;
    default: boolean;
    reclaimPolicy?: string;
    volumeBindingMode?: string;
    allowVolumeExpansion?: boolean;
  }[];
  defaultStorageClass?: string;
  cni?: { name: 'cilium' | 'calico' | string; version?: string };
  standardServices: { name: string; namespace: string; version?: string }[];
  clusterApi: {
    clusters: {
      name: string;
      namespace: string;
      kubernetesVersion?: string;
      clusterClass?: string;
      /** The ClusterClass's namespace (topology.classRef.namespace; default: the cluster's own). */
      clusterClassNamespace?: string;
      phase?: string;
      controlPlaneReady?: boolean;
    }[];
    clusterClasses: { name: string; namespace: string; kubernetesVersions: string[] }[];
  };
  clusterStacks: {
    name: string;
    namespace: string;
    provider: string;
    stackName: string;
    kubernetesVersion: string;
    channel?: string;
    versions: string[];
    latestRelease?: string;
    /** The Kubernetes version of the latest release (the operator writes `<release> | <version>`). */
    latestReleaseKubernetesVersion?: string;
    usableVersions: string[];
  }[];
}

export interface KubernetesNode {
  name: string;
  roles: string[];
  kubeletVersion: string;
  architecture: string;
  operatingSystem: string;
  osImage?: string;
  containerRuntime?: string;
  zone?: string;
  region?: string;
  ready: boolean;
}

export interface Datacenter {
  /** NetBox site slug. */
  id: string;
  name: string;
  source: string;
  status?: string;
  /** NetBox region slug path, outermost first. */
  regionPath: string[];
  /** ISO 3166-1 alpha-2. */
  countryCode?: string;
  /** ISO 3166-2 subdivision, e.g. DE-BE. */
  countrySubdivisionCode?: string;
  address?: string;
  facility?: string;
  timeZone?: string;
  latitude?: number;
  longitude?: number;
  locations: string[];
  /** OpenStack region and availability zones this site hosts (configured mapping or matching names). */
  openstackRegion?: string;
  availabilityZones: string[];
}

export interface ConformanceResult {
  source: string;
  subject: string;
  scope: { uuid: string; name: string; url?: string };
  checkedAt?: string;
  referenceDate?: string;
  /** Per certificate-scope version: pass when every test case passed. */
  versions: {
    version: string;
    result: 'pass' | 'fail' | 'incomplete';
    passed: number;
    failed: number;
    missing: number;
  }[];
  testcases: { id: string; result: 'pass' | 'fail' | 'missing' }[];
}

/** The content a source contributes. */
export type InventoryContent = Omit<Inventory, 'schemaVersion' | 'contentHash' | 'sources' | 'run'>;

export function emptyContent(): InventoryContent {
  return {
    regions: [],
    services: [],
    flavors: [],
    images: [],
    volumeTypes: [],
    networks: [],
    kubernetesClusters: [],
    datacenters: [],
    conformance: [],
  };
}
