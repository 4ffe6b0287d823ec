/**
 * SCS flavor names (scs-0100 v2/v3, and the v1 `SCS-4V:16:100` form) parsed into structured facts.
 * Grammar: SCS-<n><L|V|T|C>[i]-<ram>[u][o][-[<m>x][<size>][n|h|s|p]][_hyp][_hwv][_arch[gen][h…]][_G|g<vendor>[gen][-<units>[h…][-<vram>[h]]]][_ib]
 */

export type CpuType = 'crowded-core' | 'shared-core' | 'dedicated-thread' | 'dedicated-core';
export type DiskType = 'network' | 'hdd' | 'ssd' | 'nvme';
export type Hypervisor = 'KVM' | 'Cloud Hypervisor' | 'Xen' | 'VMware' | 'Hyper-V' | 'bare metal';

export interface ParsedFlavorName {
  /** The name as given. */
  name: string;
  /** v1 (`:` separators) or v2 (the v2/v3 grammar). */
  syntax: 'v1' | 'v2';
  /** The name in v2/v3 syntax. */
  nameV2: string;
  cpu: {
    count: number;
    type: CpuType;
    /** Upper bound of vCPU oversubscription implied by the suffix (C/T: 1, V: 5 per core, L: unbounded). */
    maxOversubscription?: number;
    /** `i`: mitigations for CPU vulnerabilities not guaranteed. */
    insecure: boolean;
  };
  ram: {
    /** RAM in GiB as named (may be fractional, e.g. 0.5). */
    gib: number;
    /** `u` means no ECC. */
    ecc: boolean;
    /** `o`: memory oversubscribed. */
    oversubscribed: boolean;
  };
  /**
   * Root disk. `null`: no disk in the name (boot from volume). `sizeGB` absent: the cloud sizes it
   * from the image's min_disk. Sizes are named in GB in the standard; Nova's `disk` is GiB.
   */
  disk: { count: number; sizeGB?: number; type?: DiskType } | null;
  hypervisor?: Hypervisor;
  nestedVirtualization: boolean;
  cpuArchitecture?: {
    vendor: 'Intel' | 'AMD' | 'ARM' | 'RISC-V';
    /** Corresponding Glance image architecture. */
    architecture: 'x86_64' | 'aarch64' | 'riscv64';
    generation?: number;
    /** All-core frequency lower bound in GHz from `h`, `hh`, `hhh`. */
    minAllCoreGHz?: number;
  };
  gpu?: {
    passthrough: boolean;
    vendor: 'nVidia' | 'AMD' | 'Intel';
    generation?: string;
    /** SMs (nVidia), CUs (AMD) or EUs (Intel). */
    units?: number;
    highFrequencyUnits: number;
    vramGiB?: number;
    highBandwidthMemory: boolean;
  };
  infiniband: boolean;
}

export type FlavorNameResult = { ok: true; parsed: ParsedFlavorName } | { ok: false; name: string; error: string };

const CPU_TYPES: Record<string, { type: CpuType; max?: number }> = {
  L: { type: 'crowded-core' },
  V: { type: 'shared-core', max: 5 },
  T: { type: 'dedicated-thread', max: 1 },
  C: { type: 'dedicated-core', max: 1 },
};
const DISK_TYPES: Record<string, DiskType> = { n: 'network', h: 'hdd', s: 'ssd', p: 'nvme' };
const HYPERVISORS: Record<string, Hypervisor> = {
  kvm: 'KVM',
  chy: 'Cloud Hypervisor',
  xen: 'Xen',
  vmw: 'VMware',
  hyv: 'Hyper-V',
  bms: 'bare metal',
};
const ARCH: Record<
  string,
  { vendor: 'Intel' | 'AMD' | 'ARM' | 'RISC-V'; architecture: 'x86_64' | 'aarch64' | 'riscv64' }
> = {
  i: { vendor: 'Intel', architecture: 'x86_64' },
  z: { vendor: 'AMD', architecture: 'x86_64' },
  a: { vendor: 'ARM', architecture: 'aarch64' },
  r: { vendor: 'RISC-V', architecture: 'riscv64' },
};
const GPU_VENDORS: Record<string, 'nVidia' | 'AMD' | 'Intel'> = { N: 'nVidia', A: 'AMD', I: 'Intel' };
const FREQ: Record<number, number> = { 1: 2.75, 2: 3.25, 3: 3.75 };

const GRAMMAR = new RegExp(
  [
    '^SCS-',
    '(?<cpus>[1-9]\\d*)(?<cpuType>[LVTC])(?<insecure>i?)',
    '-(?<ram>\\d+(?:\\.\\d+)?)(?<noEcc>u?)(?<ramOver>o?)',
    '(?<disk>-(?:(?<diskCount>[1-9]\\d*)x)?(?<diskSize>[1-9]\\d*)?(?<diskType>[nhsp])?)?',
    '(?:_(?<hyp>kvm|chy|xen|vmw|hyv|bms))?',
    '(?<hwv>_hwv)?',
    '(?:_(?<arch>[izar])(?<gen>\\d*)(?<freq>h{0,3}))?',
    '(?:_(?<gpuKind>[Gg])(?<gpuVendor>[NAI])(?<gpuGen>[a-z]|\\d+(?:\\.\\d+)?)?(?:-(?<gpuUnits>\\d+)(?<gpuFreq>h*)(?:-(?<vram>\\d+)(?<hbm>h?))?)?)?',
    '(?<ib>_ib)?$',
  ].join(''),
);

/** v1 names used `:` where v2 has `-`, and `-` where v2 has `_`. */
export function v1ToV2(name: string): string {
  return name.replace(/-/g, '_').replace(/:/g, '-').replace(/^SCS_/, 'SCS-');
}

export function v2ToV1(name: string): string {
  return name.replace(/-/g, ':').replace(/_/g, '-').replace(/^SCS:/, 'SCS-');
}

export function parseFlavorName(name: string): FlavorNameResult {
  if (!name.startsWith('SCS-')) return { ok: false, name, error: 'not an SCS flavor name (no SCS- prefix)' };
  const syntax = name.includes(':') ? 'v1' : 'v2';
  const nameV2 = syntax === 'v1' ? v1ToV2(name) : name;
  const m = GRAMMAR.exec(nameV2);
  if (!m?.groups)
    return {
      ok: false,
      name,
      error: `does not follow the scs-0100 grammar (SCS-<n><L|V|T|C>[i]-<ram>[u][o][-<disk>][_ext…])`,
    };
  const g = m.groups;
  const ram = Number(g.ram);
  if (ram >= 10 && !Number.isInteger(ram))
    return { ok: false, name, error: 'fractional RAM is only allowed below 10 GiB' };
  if (!Number.isInteger(ram * 2)) return { ok: false, name, error: 'RAM may only be given in whole or half GiB' };
  const cpu = CPU_TYPES[g.cpuType!]!;
  const parsed: ParsedFlavorName = {
    name,
    syntax,
    nameV2,
    cpu: {
      count: Number(g.cpus),
      type: cpu.type,
      ...(cpu.max !== undefined ? { maxOversubscription: cpu.max } : {}),
      insecure: g.insecure === 'i',
    },
    ram: { gib: ram, ecc: g.noEcc !== 'u', oversubscribed: g.ramOver === 'o' },
    disk:
      g.disk !== undefined
        ? {
            count: g.diskCount ? Number(g.diskCount) : 1,
            ...(g.diskSize ? { sizeGB: Number(g.diskSize) } : {}),
            ...(g.diskType ? { type: DISK_TYPES[g.diskType]! } : {}),
          }
        : null,
    nestedVirtualization: Boolean(g.hwv),
    infiniband: Boolean(g.ib),
  };
  if (g.diskCount && !g.diskSize) return { ok: false, name, error: 'a multi-disk count (Mx) needs a disk size' };
  if (g.hyp) parsed.hypervisor = HYPERVISORS[g.hyp]!;
  if (g.arch) {
    parsed.cpuArchitecture = {
      ...ARCH[g.arch]!,
      ...(g.gen ? { generation: Number(g.gen) } : {}),
      ...(g.freq ? { minAllCoreGHz: FREQ[g.freq.length]! } : {}),
    };
  }
  if (g.gpuKind) {
    parsed.gpu = {
      passthrough: g.gpuKind === 'G',
      vendor: GPU_VENDORS[g.gpuVendor!]!,
      ...(g.gpuGen ? { generation: g.gpuGen } : {}),
      ...(g.gpuUnits ? { units: Number(g.gpuUnits) } : {}),
      highFrequencyUnits: (g.gpuFreq ?? '').length,
      ...(g.vram ? { vramGiB: Number(g.vram) } : {}),
      highBandwidthMemory: g.hbm === 'h',
    };
  }
  return { ok: true, parsed };
}
