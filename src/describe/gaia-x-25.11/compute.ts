import type { JsonObject } from '../../credentials/suites/suite.js';
import type { Flavor, Image, Inventory, ServiceEntry } from '../../inventory/model.js';
import type { DescribedCredential } from '../model.js';
import {
  DISTRO_LICENSES,
  HYPERVISOR_SOFTWARE,
  checksumAlgorithm,
  cpuArchitecture,
  date,
  dateTime,
  diskFormat,
  diskKind,
  hypervisorType,
  integer,
  licenseValue,
  literal,
  memorySize,
  osDistribution,
  updateStrategy,
  watchdogAction,
} from './values.js';
import { compactObject, type Builder } from './envelope.js';
import { endpoint } from './endpoint.js';

/** gx:Hypervisor for the hypervisors an SCS name can state (bare metal has none; unknown ones are left out). */
function hypervisor(b: Builder, name: string | undefined): JsonObject | undefined {
  const type = hypervisorType(name);
  const sw = type ? HYPERVISOR_SOFTWARE[type] : undefined;
  if (!type || !sw) return undefined;
  return {
    type: 'Hypervisor',
    hypervisorType: type,
    license: [licenseValue(sw.license)],
    copyrightOwnedBy: [literal(sw.owner)],
    resourcePolicy: [b.ctx.provider.policy],
  };
}

/** GPU generation letters of scs-0100 v3 as architecture names (nVidia); other vendors' numbers as they are. */
const NVIDIA_GENERATIONS: Record<string, string> = {
  f: 'Fermi',
  k: 'Kepler',
  m: 'Maxwell',
  p: 'Pascal',
  v: 'Volta',
  t: 'Turing',
  a: 'Ampere',
  l: 'Ada Lovelace',
  g: 'Grace Hopper',
  b: 'Blackwell',
  u: 'Blackwell Ultra',
};
const GPU_FAMILY: Record<string, string> = { AMD: 'AMD GPU generation', Intel: 'Intel GPU generation' };

export function gpuGeneration(vendor: string, generation: string | undefined): string | undefined {
  if (generation === undefined) return undefined;
  if (vendor === 'nVidia') return NVIDIA_GENERATIONS[generation] ?? generation;
  return GPU_FAMILY[vendor] ? `${GPU_FAMILY[vendor]} ${generation}` : generation;
}

/**
 * gx:ServerFlavor from Nova's flavor and the facts its SCS name states, with the standard's
 * defaults where the name is silent (scs-0100 v3: KVM without a hypervisor suffix, generic x86-64
 * without an architecture suffix).
 */
export function serverFlavor(b: Builder, f: Flavor): DescribedCredential {
  const n = f.scs?.name;
  const hypervisorName = n ? (n.hypervisor ?? 'KVM') : undefined;
  const architecture = n ? (n.cpuArchitecture?.architecture ?? 'x86_64') : undefined;
  // `3x10s`: three local disks of one size and type; Nova knows the first as the root disk.
  const extraDisks = n?.disk && n.disk.count > 1 && f.diskGiB > 0 ? n.disk.count - 1 : 0;
  const disk0 = f.scs?.disk0Type ?? n?.disk?.type;
  const boot = diskKind(f.diskGiB === 0 ? 'network' : disk0);
  const ratio = n?.cpu.maxOversubscription;
  const subject = compactObject({
    id: b.iris.subject('regions', f.region, 'flavors', f.id),
    type: 'ServerFlavor',
    name: f.name,
    description: f.description,
    cpu: compactObject({
      type: 'CpuCapabilities',
      vCPUs: f.vcpus,
      overProvisioningRatio: ratio !== undefined && Number.isFinite(ratio) ? integer(ratio) : undefined,
      pCPU: compactObject({
        type: 'CPU',
        vendor: n?.cpuArchitecture?.vendor,
        generation: n?.cpuArchitecture?.generation !== undefined ? String(n.cpuArchitecture.generation) : undefined,
        cpuArchitecture: cpuArchitecture(architecture),
      }),
    }),
    memory: compactObject({
      type: 'MemoryCapabilities',
      memory: compactObject({
        type: 'Memory',
        memorySize: memorySize(f.ramMiB, 'MiB'),
        eccEnabled: n ? n.ram.ecc : undefined,
      }),
      overProvisioningRatio: n && !n.ram.oversubscribed ? 1 : undefined,
    }),
    // A flavor without a root disk boots from a network volume sized at creation: size 0.
    bootVolume: compactObject({ type: 'Disk', diskSize: memorySize(f.diskGiB, 'GiB'), ...boot }),
    additionalVolume: (() => {
      const volumes = [
        ...Array.from({ length: extraDisks }, () =>
          compactObject({ type: 'Disk', diskSize: memorySize(f.diskGiB, 'GiB'), ...boot }),
        ),
        ...(f.ephemeralGiB > 0
          ? [{ type: 'Disk', diskSize: memorySize(f.ephemeralGiB, 'GiB'), diskType: 'other' }]
          : []),
      ];
      return volumes.length ? volumes : undefined;
    })(),
    hypervisor: hypervisor(b, hypervisorName),
    hardwareAssistedVirtualization: n ? n.nestedVirtualization || undefined : undefined,
    hwRngTypeOfFlavor:
      f.scs?.hardwareRng === false || f.extraSpecs['hw_rng:allowed'] === 'false' ? 'Unavailable' : undefined,
    gpu: n?.gpu
      ? compactObject({
          type: 'GPU',
          vendor: n.gpu.vendor,
          generation: gpuGeneration(n.gpu.vendor, n.gpu.generation),
          gpuProcessingUnits: n.gpu.units,
          gpuPassthrough: n.gpu.passthrough,
          gpuMemory: n.gpu.vramGiB !== undefined ? memorySize(n.gpu.vramGiB, 'GiB') : undefined,
        })
      : undefined,
    confidentialComputing:
      f.extraSpecs['hw:mem_encryption'] === 'true'
        ? { type: 'ConfidentialComputing', technology: 'AMD SEV (hw:mem_encryption)' }
        : undefined,
  });
  return b.credential('server-flavor', ['regions', f.region, 'flavors', f.id], subject);
}

/**
 * gx:VMImage with every scs-0102 fact the VMImage shape has a place for. An image whose licence
 * nobody stated (an os_distro outside the built-in table and no provider.images setting) is left
 * out with a warning: the shape requires a licence, and guessing one would be a false claim.
 */
export function vmImage(b: Builder, img: Image): DescribedCredential | undefined {
  const s = img.scs;
  const cfg = b.ctx.provider.images;
  const distro = (s.osDistro ?? '').toLowerCase();
  const known = DISTRO_LICENSES[distro];
  const license = cfg.licenses[distro] ?? known?.license ?? cfg.defaultLicense;
  const owner = cfg.copyrightOwners[distro] ?? known?.owner;
  if (!license) {
    b.warnings.push(
      `image ${img.name} (${img.id}) left out: no licence known for os_distro "${s.osDistro ?? ''}"; set provider.images.licenses.${distro || '<distro>'} or provider.images.defaultLicense`,
    );
    return undefined;
  }
  const algorithm = checksumAlgorithm(s.osHashAlgo ?? img.checksum?.algorithm);
  const hashValue = s.osHashValue ?? img.checksum?.value;
  const maintenance = compactObject({
    type: 'MaintenanceSubscription',
    subscriptionRequired: s.subscriptionRequired,
    subscriptionIncluded: s.subscriptionIncluded,
    maintainedUntil: date(s.maintainedUntil ?? (s.providedUntil?.kind === 'date' ? s.providedUntil.date : undefined)),
  });
  const subject = compactObject({
    id: b.iris.subject('regions', img.region, 'images', img.id),
    type: 'VMImage',
    name: img.name,
    description: s.imageDescription && !/^https?:\/\//.test(s.imageDescription) ? s.imageDescription : undefined,
    version: s.osVersion,
    license: [licenseValue(license)],
    licenseIncluded: s.licenseIncluded,
    copyrightOwnedBy: [literal(owner ?? (s.osDistro ? osDistribution(s.osDistro) : b.ctx.provider.legalName))],
    resourcePolicy: [b.ctx.provider.policy],
    checkSum:
      algorithm && hashValue
        ? { type: 'CheckSum', checkSumCalculation: algorithm, checkSumValue: hashValue }
        : undefined,
    fileSize: img.sizeBytes !== undefined ? memorySize(img.sizeBytes, 'B') : undefined,
    operatingSystem: s.osDistro
      ? compactObject({
          type: 'OperatingSystem',
          osDistribution: osDistribution(s.osDistro),
          version: s.osVersion,
          license: [licenseValue(license)],
          copyrightOwnedBy: [literal(owner ?? osDistribution(s.osDistro))],
          resourcePolicy: [b.ctx.provider.policy],
        })
      : undefined,
    buildDate: dateTime(s.imageBuildDate),
    patchLevel: s.patchlevel,
    vmImageDiskFormat: diskFormat(img.diskFormat),
    secureBoot: s.osSecureBoot === undefined ? undefined : s.osSecureBoot !== 'disabled',
    firmwareType: s.hwFirmwareType ? s.hwFirmwareType.toUpperCase() : undefined,
    watchDogAction: watchdogAction(s.hwWatchdogAction),
    vPMU: s.hwPmu,
    multiQueues: s.hwVifMultiqueueEnabled,
    videoRamSize: s.hwVideoRamMiB !== undefined ? memorySize(s.hwVideoRamMiB, 'MiB') : undefined,
    hypervisorType: hypervisorType(s.hypervisorType),
    cpuReq: s.architecture ? { type: 'CPU', cpuArchitecture: cpuArchitecture(s.architecture) } : undefined,
    ramReq: img.minRamMiB > 0 ? { type: 'Memory', memorySize: memorySize(img.minRamMiB, 'MiB') } : undefined,
    rootDiskReq: img.minDiskGiB > 0 ? { type: 'Disk', diskSize: memorySize(img.minDiskGiB, 'GiB') } : undefined,
    maintenance: Object.keys(maintenance).length > 1 ? maintenance : undefined,
    updateStrategy: updateStrategy(s.replaceFrequency),
  });
  return b.credential('vm-image', ['regions', img.region, 'images', img.id], subject);
}

/** gx:VirtualMachineServiceOffering for one region: its flavors and images by reference. */
export function computeOffering(
  b: Builder,
  inv: Inventory,
  region: string,
  flavors: DescribedCredential[],
  images: DescribedCredential[],
): DescribedCredential | undefined {
  if (!flavors.length || !images.length) {
    b.warnings.push(
      `region ${region}: no compute offering (gx:VirtualMachineServiceOffering needs at least one public flavor and one public image; found ${flavors.length} and ${images.length})`,
    );
    return undefined;
  }
  const compute: ServiceEntry | undefined = inv.services.find((s) => s.type === 'compute' && s.region === region);
  const subject = compactObject({
    id: b.iris.subject('regions', region, 'offerings', 'compute'),
    type: 'VirtualMachineServiceOffering',
    name: `${b.ctx.provider.legalName} virtual machines (${region})`,
    description: `OpenStack Nova in region ${region}: ${flavors.length} flavors, ${images.length} images.`,
    ...b.offeringCommons(),
    endpoint: compute
      ? endpoint(compute, 'OpenStack Compute API', 'https://docs.openstack.org/api-ref/compute/')
      : undefined,
    provisionType: 'public',
    tenantSeparation: 'hw-virtualized',
    instantiationReq: flavors.map((f) => ({ id: f.subject })),
    codeArtifact: images.map((i) => ({ id: i.subject })),
  });
  return b.credential('compute-offering', ['regions', region, 'offerings', 'compute'], subject);
}
