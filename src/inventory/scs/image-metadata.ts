/**
 * SCS image metadata (scs-0102 v2) typed from Glance image properties. Glance keeps custom
 * properties as strings; each known one is parsed into its type, anything unreadable is kept raw
 * with a warning, and unknown properties are preserved as they are.
 */

export type OsPurpose = 'generic' | 'oldgeneric' | 'minimal' | 'k8snode' | 'gpu' | 'network' | 'custom';
export type ReplaceFrequency = 'yearly' | 'quarterly' | 'monthly' | 'weekly' | 'daily' | 'critical_bug' | 'never';
export type UuidValidity =
  { kind: 'none' | 'notice' | 'forever' } | { kind: 'last'; count: number } | { kind: 'date'; date: string };
export type ProvidedUntil = { kind: 'none' | 'notice' } | { kind: 'date'; date: string };

export interface ScsImageMetadata {
  architecture?: string;
  osDistro?: string;
  osVersion?: string;
  osPurpose?: OsPurpose;
  hwDiskBus?: string;
  hwScsiModel?: string;
  hypervisorType?: string;
  hwRngModel?: string;
  osSecureBoot?: 'required' | 'disabled' | 'optional';
  hwFirmwareType?: 'bios' | 'uefi';
  hwWatchdogAction?: string;
  hwMemEncryption?: boolean;
  hwPmu?: boolean;
  /** MiB */
  hwVideoRamMiB?: number;
  hwVifMultiqueueEnabled?: boolean;
  replaceFrequency?: ReplaceFrequency;
  uuidValidity?: UuidValidity;
  providedUntil?: ProvidedUntil;
  hotfixHours?: number;
  /** A download URL, or `private`. */
  imageSource?: string;
  /** A URL or text with release notes. */
  imageDescription?: string;
  /** ISO 8601 (date or UTC date-time). */
  imageBuildDate?: string;
  imageOriginalUser?: string;
  patchlevel?: string;
  osHashAlgo?: string;
  osHashValue?: string;
  licenseIncluded?: boolean;
  licenseRequired?: boolean;
  subscriptionIncluded?: boolean;
  subscriptionRequired?: boolean;
  maintainedUntil?: string;
  l1SupportContact?: string;
  osHidden?: boolean;
  /** `managed_by_VENDOR` tag. */
  managedBy?: string;
  /** `os:NAME` tag. */
  osTag?: string;
}

const PURPOSES: OsPurpose[] = ['generic', 'oldgeneric', 'minimal', 'k8snode', 'gpu', 'network', 'custom'];
const FREQUENCIES: ReplaceFrequency[] = ['yearly', 'quarterly', 'monthly', 'weekly', 'daily', 'critical_bug', 'never'];

type Parser = (raw: unknown) => unknown;

function str(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim() === '' ? undefined : raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

export function parseBool(raw: unknown): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  const s = str(raw)?.toLowerCase();
  if (s === undefined) return undefined;
  if (['true', 'yes', '1', 'on'].includes(s)) return true;
  if (['false', 'no', '0', 'off'].includes(s)) return false;
  throw new Error(`"${String(raw)}" is not a boolean`);
}

function int(raw: unknown): number | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s)) throw new Error(`"${s}" is not a whole number`);
  return Number(s);
}

function oneOf<T extends string>(values: readonly T[]): Parser {
  return (raw) => {
    const s = str(raw);
    if (s === undefined) return undefined;
    if (!(values as readonly string[]).includes(s)) throw new Error(`"${s}" is not one of ${values.join(', ')}`);
    return s;
  };
}

function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

function date(raw: unknown): string | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (!isDate(s)) throw new Error(`"${s}" is not a YYYY-MM-DD date`);
  return s;
}

/** `YYYY-MM-DD` or `YYYY-MM-DD hh:mm[:ss]` (UTC) → ISO 8601. */
function buildDate(raw: unknown): string | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (isDate(s)) return s;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?Z?$/.exec(s);
  if (!m || Number.isNaN(Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}Z`))) {
    throw new Error(`"${s}" is not YYYY-MM-DD or YYYY-MM-DD hh:mm[:ss]`);
  }
  return `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}Z`;
}

function uuidValidity(raw: unknown): UuidValidity | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (s === 'none' || s === 'notice' || s === 'forever') return { kind: s };
  const last = /^last-(\d+)$/.exec(s);
  if (last) return { kind: 'last', count: Number(last[1]) };
  if (isDate(s)) return { kind: 'date', date: s };
  throw new Error(`"${s}" is not none, last-N, YYYY-MM-DD, notice or forever`);
}

function providedUntil(raw: unknown): ProvidedUntil | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  if (s === 'none' || s === 'notice') return { kind: s };
  if (isDate(s)) return { kind: 'date', date: s };
  throw new Error(`"${s}" is not YYYY-MM-DD, none or notice`);
}

function url(raw: unknown): string | undefined {
  const s = str(raw);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (!['http:', 'https:', 'mailto:', 'tel:'].includes(u.protocol)) throw new Error();
  } catch {
    throw new Error(`"${s}" is not a URL`);
  }
  return s;
}

/** Glance property → [field, parser]. */
const PROPERTIES: Record<string, [keyof ScsImageMetadata, Parser]> = {
  architecture: ['architecture', str],
  os_distro: ['osDistro', str],
  os_version: ['osVersion', str],
  os_purpose: ['osPurpose', oneOf(PURPOSES)],
  hw_disk_bus: ['hwDiskBus', str],
  hw_scsi_model: ['hwScsiModel', str],
  hypervisor_type: ['hypervisorType', str],
  hw_rng_model: ['hwRngModel', str],
  os_secure_boot: ['osSecureBoot', oneOf(['required', 'disabled', 'optional'] as const)],
  hw_firmware_type: ['hwFirmwareType', oneOf(['bios', 'uefi'] as const)],
  hw_watchdog_action: ['hwWatchdogAction', str],
  hw_mem_encryption: ['hwMemEncryption', parseBool],
  hw_pmu: ['hwPmu', parseBool],
  hw_video_ram: ['hwVideoRamMiB', int],
  hw_vif_multiqueue_enabled: ['hwVifMultiqueueEnabled', parseBool],
  replace_frequency: ['replaceFrequency', oneOf(FREQUENCIES)],
  uuid_validity: ['uuidValidity', uuidValidity],
  provided_until: ['providedUntil', providedUntil],
  hotfix_hours: ['hotfixHours', int],
  image_source: ['imageSource', (raw) => (str(raw) === 'private' ? 'private' : url(raw))],
  image_description: ['imageDescription', str],
  image_build_date: ['imageBuildDate', buildDate],
  image_original_user: ['imageOriginalUser', str],
  patchlevel: ['patchlevel', str],
  os_hash_algo: ['osHashAlgo', str],
  os_hash_value: ['osHashValue', str],
  license_included: ['licenseIncluded', parseBool],
  license_required: ['licenseRequired', parseBool],
  subscription_included: ['subscriptionIncluded', parseBool],
  subscription_required: ['subscriptionRequired', parseBool],
  maintained_until: ['maintainedUntil', date],
  l1_support_contact: ['l1SupportContact', url],
  os_hidden: ['osHidden', parseBool],
};

export interface TypedImageMetadata {
  scs: ScsImageMetadata;
  /** Properties that are not scs-0102 or Glance core fields, preserved as they are. */
  otherProperties: Record<string, unknown>;
  warnings: string[];
}

/**
 * Type the scs-0102 properties of a Glance image. `properties` are the image's custom properties
 * (Glance core fields removed), `tags` its tags.
 */
export function typeImageMetadata(properties: Record<string, unknown>, tags: string[] = []): TypedImageMetadata {
  const scs: Record<string, unknown> = {};
  const otherProperties: Record<string, unknown> = {};
  const warnings: string[] = [];
  for (const key of Object.keys(properties).sort()) {
    const value = properties[key];
    const known = PROPERTIES[key];
    if (!known) {
      otherProperties[key] = value;
      continue;
    }
    try {
      const parsed = known[1](value);
      if (parsed !== undefined) scs[known[0]] = parsed;
    } catch (err) {
      warnings.push(`${key}: ${(err as Error).message}; kept as given`);
      otherProperties[key] = value;
    }
  }
  if (scs.licenseIncluded === true && scs.licenseRequired === true) {
    warnings.push('license_included and license_required are both true; the standard forbids this');
  }
  for (const tag of [...tags].sort()) {
    const managed = /^managed_by_(.+)$/.exec(tag);
    if (managed) scs.managedBy = managed[1];
    const os = /^os:(.+)$/.exec(tag);
    if (os) scs.osTag = os[1];
  }
  return { scs: scs as ScsImageMetadata, otherProperties, warnings };
}
