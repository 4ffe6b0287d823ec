// What Python services (NetBox, OpenStack) put on the wire, byte for byte.

/** Python's json.dumps (default separators ", " and ": ", ensure_ascii): the bytes NetBox signs, oslo sends. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
    .join(', ')}}`;
}

/** Python's datetime.isoformat() of an aware UTC time: microseconds and +00:00. */
export function pythonIsoformat(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** Python's str() of a naive UTC datetime, as oslo.messaging's timestamps: 2026-12-04 17:06:08.016165. */
export function pythonUtcNow(d: Date = new Date()): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.(\d{3})Z$/, '.$1000');
}
