import type { JsonObject } from '../credentials/suites/suite.js';
import type { ConformanceResult, Flavor, Image, Inventory, KubernetesCluster } from '../inventory/model.js';
import type { ProvidedUntil, UuidValidity } from '../inventory/scs/image-metadata.js';

/*
 * SCS facts neither Gaia-X release can state, in gx-gateway's own `scs` vocabulary
 * (contexts/scs/v1.jsonld, shapes/scs/scs.shacl.ttl). They live on their own nodes that point at
 * the gx resource they are about (`scs:describes`): the 25.11 shapes are closed, so nothing may be
 * added to a gx node, and clearing houses reject subject types their registry does not list.
 */

function strip(o: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  );
}

function validity(v: UuidValidity | ProvidedUntil | undefined): string | undefined {
  if (!v) return undefined;
  if (v.kind === 'date') return v.date;
  if (v.kind === 'last') return `last-${v.count}`;
  return v.kind;
}

export function flavorFacts(f: Flavor, describes: string, id: string): JsonObject | undefined {
  const s = f.scs;
  if (!s?.name && !s?.nameV1 && !s?.nameV2) return undefined;
  return strip({
    id,
    type: 'FlavorFacts',
    describes,
    flavorName: s.name?.name ?? f.name,
    flavorNameV1: s.nameV1,
    flavorNameV2: s.nameV2 ?? s.name?.nameV2,
    cpuType: s.name?.cpu.type ?? s.cpuType,
    diskType: s.disk0Type ?? s.name?.disk?.type,
    hardwareRng: s.hardwareRng,
    dedicatedCpu: s.dedicatedCpu,
    // What the Gaia-X shapes have no place for: bare metal, multi-disk counts, InfiniBand.
    hypervisor: s.name ? (s.name.hypervisor ?? 'KVM') : undefined,
    diskCount: s.name?.disk && s.name.disk.count > 1 ? s.name.disk.count : undefined,
    infiniband: s.name?.infiniband || undefined,
    gpuGeneration: s.name?.gpu?.generation,
  });
}

export function imageFacts(img: Image, describes: string, id: string): JsonObject | undefined {
  const s = img.scs;
  const body = strip({
    osPurpose: s.osPurpose,
    imageSource: s.imageSource,
    imageDescription: s.imageDescription,
    imageOriginalUser: s.imageOriginalUser,
    replaceFrequency: s.replaceFrequency,
    hotfixHours: s.hotfixHours,
    uuidValidity: validity(s.uuidValidity),
    providedUntil: validity(s.providedUntil),
    hwRngModel: s.hwRngModel,
    hwDiskBus: s.hwDiskBus,
    managedBy: s.managedBy,
    licenseIncluded: s.licenseIncluded,
    licenseRequired: s.licenseRequired,
    subscriptionIncluded: s.subscriptionIncluded,
  });
  return Object.keys(body).length ? { id, type: 'ImageFacts', describes, ...body } : undefined;
}

export function blockStorageFacts(
  inv: Inventory,
  region: string,
  describes: string,
  id: string,
): JsonObject | undefined {
  const types = inv.volumeTypes.filter((v) => v.region === region && v.public);
  if (!types.length) return undefined;
  return {
    id,
    type: 'BlockStorageFacts',
    describes,
    volumeType: types.map((t) =>
      strip({
        type: 'VolumeType',
        volumeTypeName: t.name,
        aspect: t.scsAspects.filter((a) => ['encrypted', 'replicated'].includes(a)),
        encrypted: Boolean(t.encryption),
        availabilityZone: t.availabilityZones,
      }),
    ),
  };
}

export function kubernetesFacts(c: KubernetesCluster, versions: string[], describes: string, id: string): JsonObject {
  return strip({
    id,
    type: 'KubernetesFacts',
    describes,
    kubernetesVersion: versions,
    clusterClass: c.clusterApi.clusterClasses.map((cc) => `${cc.namespace}/${cc.name}`),
    clusterStack: c.clusterStacks.map(
      (s) => `${s.provider}-${s.stackName}-${s.kubernetesVersion}${s.latestRelease ? ` (${s.latestRelease})` : ''}`,
    ),
    standardService: c.standardServices.map((s) => `${s.name}${s.version ? ` ${s.version}` : ''}`),
    cni: c.cni ? `${c.cni.name}${c.cni.version ? ` ${c.cni.version}` : ''}` : undefined,
  });
}

/** One result per certificate-scope version (pass, fail, incomplete), about the provider. */
export function conformanceFacts(
  r: ConformanceResult,
  describes: string,
  idFor: (version: string) => string,
): JsonObject[] {
  const checked = r.checkedAt
    ? new Date(`${r.checkedAt.replace(' ', 'T')}${/Z|[+-]\d{2}:?\d{2}$/.test(r.checkedAt) ? '' : 'Z'}`)
    : undefined;
  return r.versions.map((v) =>
    strip({
      id: idFor(v.version),
      type: 'ConformanceResult',
      describes,
      testedSubject: r.subject,
      scopeUuid: r.scope.uuid,
      scopeName: r.scope.name,
      certificateScope: r.scope.url,
      scopeVersion: v.version,
      result: v.result,
      passed: v.passed,
      failed: v.failed,
      missing: v.missing,
      checkedAt:
        checked && !Number.isNaN(checked.getTime()) ? checked.toISOString().replace(/\.000Z$/, 'Z') : undefined,
    }),
  );
}
