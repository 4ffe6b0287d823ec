/**
 * Deterministic IRIs: the same resource gets the same IRI on every run. Everything lives under the
 * provider's public base URL; path segments are percent-encoded source identifiers (OpenStack ids,
 * region and zone names, NetBox slugs), never positions or names that change.
 */
export interface Iris {
  /** The credential subject's IRI: `<base>/gx/<path>`. */
  subject(...path: string[]): string;
  /** The credential's IRI: `<base>/credentials/<release>/<path>`. */
  credential(release: string, ...path: string[]): string;
}

export function iris(baseUrl: string): Iris {
  const base = baseUrl.replace(/\/+$/, '');
  const join = (path: string[]) => path.map((p) => encodeURIComponent(p)).join('/');
  return {
    subject: (...path) => `${base}/gx/${join(path)}`,
    credential: (release, ...path) => `${base}/credentials/${encodeURIComponent(release)}/${join(path)}`,
  };
}
