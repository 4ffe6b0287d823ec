/**
 * Mappings from inventory facts (OpenStack, scs-0100/0102 metadata) to the values the Gaia-X 25.11
 * shapes allow (`sh:in` lists). Unknown inputs map to `undefined` (left out) or to the shapes'
 * own catch-all (`other`, `others`), never to a guess.
 */

export const GX_CPU_ARCHITECTURE: Record<string, string> = {
  x86_64: 'x86-64',
  amd64: 'x86-64',
  i686: 'x86-32',
  i386: 'x86-32',
  aarch64: 'AArch-64',
  arm64: 'AArch-64',
  armv7l: 'AArch-32',
  riscv64: 'RISC-V',
};

export function cpuArchitecture(arch: string | undefined): string | undefined {
  return arch === undefined ? undefined : (GX_CPU_ARCHITECTURE[arch.toLowerCase()] ?? 'Other');
}

/** scs-0102 `os_distro` → gx:osDistribution. */
const OS_DISTRIBUTION: Record<string, string> = {
  alpine: 'Alpine Linux',
  arch: 'Arch Linux',
  centos: 'CentOS Linux',
  debian: 'Debian',
  fedora: 'Fedora',
  freebsd: 'FreeBSD',
  gentoo: 'Gentoo Linux',
  netbsd: 'NetBSD',
  openbsd: 'OpenBSD',
  opensuse: 'openSUSE',
  rocky: 'Rocky Linux',
  rhel: 'Red Hat Enterprise Linux',
  sles: 'SUSE Linux Enterprise Server',
  ubuntu: 'Ubuntu',
  windows: 'Microsoft Windows',
  cirros: 'CirrOS',
  almalinux: 'AlmaLinux',
};

export function osDistribution(distro: string | undefined): string {
  return (distro && OS_DISTRIBUTION[distro.toLowerCase()]) || 'others';
}

/**
 * Licence (SPDX identifier or URL of the distribution's licence policy) and copyright owner per
 * `os_distro`, used when the configuration does not say otherwise.
 */
export const DISTRO_LICENSES: Record<string, { license: string; owner: string }> = {
  debian: {
    license: 'https://www.debian.org/legal/licenses/',
    owner: 'Software in the Public Interest, Inc. (Debian Project)',
  },
  ubuntu: { license: 'https://ubuntu.com/legal/intellectual-property-policy', owner: 'Canonical Ltd.' },
  rocky: { license: 'https://rockylinux.org/legal/licensing', owner: 'Rocky Enterprise Software Foundation' },
  almalinux: {
    license: 'https://almalinux.org/p/the-almalinux-os-licensing-policy/',
    owner: 'AlmaLinux OS Foundation',
  },
  centos: { license: 'https://www.centos.org/legal/', owner: 'The CentOS Project' },
  fedora: { license: 'https://docs.fedoraproject.org/en-US/legal/', owner: 'Red Hat, Inc. (Fedora Project)' },
  opensuse: { license: 'https://en.opensuse.org/openSUSE:License', owner: 'SUSE LLC (openSUSE Project)' },
  alpine: { license: 'https://www.alpinelinux.org/about/', owner: 'Alpine Linux Development Team' },
  flatcar: { license: 'Apache-2.0', owner: 'The Flatcar Maintainers' },
  cirros: { license: 'GPL-2.0-only', owner: 'The CirrOS Project' },
  rhel: { license: 'https://www.redhat.com/en/about/agreements', owner: 'Red Hat, Inc.' },
  sles: { license: 'https://www.suse.com/licensing/eula/', owner: 'SUSE LLC' },
  windows: { license: 'https://www.microsoft.com/licensing/', owner: 'Microsoft Corporation' },
};

/** Glance `os_hash_algo` → gx:checkSumCalculation. */
export function checksumAlgorithm(algo: string | undefined): string | undefined {
  if (!algo) return undefined;
  const a = algo.toLowerCase().replace(/[-_]/g, '');
  const map: Record<string, string> = {
    md5: 'md5',
    sha1: 'sha-1',
    sha256: 'sha-256',
    sha384: 'sha-384',
    sha512: 'sha-512',
    sha3: 'sha-3',
    ripemd160: 'ripemd-160',
    blake2: 'blake2',
    blake3: 'blake3',
  };
  return map[a] ?? 'other';
}

/** Glance `disk_format` → gx:vmImageDiskFormat (formats the shapes do not list are left out). */
export function diskFormat(format: string | undefined): string | undefined {
  const map: Record<string, string> = { raw: 'RAW', qcow2: 'QCOW2', vhd: 'VHD', vhdx: 'VHD', vmdk: 'VMDK', iso: 'ISO' };
  return format ? map[format.toLowerCase()] : undefined;
}

/** Image `hypervisor_type` / SCS flavor hypervisor → gx:hypervisorType (the shapes spell QEMU "quemu"). */
export function hypervisorType(hv: string | undefined): string | undefined {
  if (!hv) return undefined;
  const map: Record<string, string> = {
    qemu: 'quemu',
    kvm: 'KVM',
    xen: 'Xen',
    vmware: 'ESXi',
    esxi: 'ESXi',
    hyperv: 'Hyper-V',
    'hyper-v': 'Hyper-V',
    ch: 'Cloud Hypervisor',
    'cloud hypervisor': 'Cloud Hypervisor',
  };
  return map[hv.toLowerCase()] ?? 'other';
}

/** Licence and copyright of the hypervisors an SCS flavor name can state. */
export const HYPERVISOR_SOFTWARE: Record<string, { license: string; owner: string }> = {
  KVM: { license: 'GPL-2.0-only', owner: 'The Linux kernel and QEMU contributors' },
  'Cloud Hypervisor': { license: 'Apache-2.0', owner: 'The Cloud Hypervisor Authors' },
  Xen: { license: 'GPL-2.0-only', owner: 'The Xen Project' },
  ESXi: { license: 'https://www.vmware.com/help/legal.html', owner: 'Broadcom Inc.' },
  'Hyper-V': { license: 'https://www.microsoft.com/licensing/', owner: 'Microsoft Corporation' },
};

/** scs-0102 `hw_watchdog_action` → gx:watchDogAction (`none` watches without acting). */
export function watchdogAction(action: string | undefined): string | undefined {
  if (!action) return undefined;
  const map: Record<string, string> = {
    disabled: 'disabled',
    reset: 'reset',
    poweroff: 'poweroff',
    pause: 'pause',
    none: 'disabled',
  };
  return map[action.toLowerCase()];
}

/**
 * scs-0102 `replace_frequency` → gx:updateStrategy: `never` means the image is not updated;
 * frequent rebuilds (critical bugs, daily to monthly) favour security; quarterly and yearly
 * rebuilds favour stable uuids (minimal downtime).
 */
export function updateStrategy(frequency: string | undefined): string | undefined {
  if (!frequency) return undefined;
  if (frequency === 'never') return 'do_not_update';
  if (['critical_bug', 'daily', 'weekly', 'monthly'].includes(frequency)) return 'maximum_security';
  return 'minimal_downtime';
}

/** SCS flavor disk type letter → gx:diskType and gx:diskBusType. */
export function diskKind(type: string | undefined): { diskType: string; diskBusType?: string } {
  switch (type) {
    case 'network':
      return { diskType: 'shared network storage' };
    case 'hdd':
      return { diskType: 'local HDD' };
    case 'ssd':
      return { diskType: 'local SSD' };
    case 'nvme':
      return { diskType: 'local SSD', diskBusType: 'NVMe' };
    default:
      return { diskType: 'other' };
  }
}

/** Cinder encryption cipher (`aes-xts-plain64`) → gx:cipher. */
export function cipher(spec: string | undefined): string {
  if (!spec) return 'other';
  const s = spec.toLowerCase();
  if (s.startsWith('aes')) return 'AES';
  if (s.startsWith('twofish')) return 'Twofish';
  if (s.startsWith('blowfish')) return 'Blowfish';
  return 'other';
}

/** A date (`2026-11-01`) or date-time as an xsd:dateTime lexical form, or undefined. */
export function dateTime(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00Z`;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

/** A date-time or date as an xsd:date lexical form, or undefined. */
export function date(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  return m ? m[1] : undefined;
}

/** A licence value as JSON-LD: SPDX identifiers are plain strings, URLs typed xsd:anyURI. */
export function licenseValue(license: string): string | { '@value': string; '@type': string } {
  return /^https?:\/\//.test(license) ? { '@value': license, '@type': 'xsd:anyURI' } : license;
}

/** gx:MemorySize. */
export function memorySize(value: number, unit: 'B' | 'MiB' | 'GiB'): Record<string, unknown> {
  return { type: 'MemorySize', quantityValue: value, applicableUnit: unit };
}

/** A plain string literal where the Gaia-X context types the term `@id` (copyrightOwnedBy, latitude). */
export function literal(value: string): { '@value': string } {
  return { '@value': value };
}

/** An xsd:integer where the Gaia-X context types a shared term otherwise (CPU overProvisioningRatio is xsd:float there). */
export function integer(value: number): { '@value': number; '@type': string } {
  return { '@value': value, '@type': 'xsd:integer' };
}
