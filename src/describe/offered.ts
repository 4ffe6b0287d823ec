import type { Flavor, Image, Inventory, KubernetesCluster } from '../inventory/model.js';

/** What customers can order, whatever the profile describes it as. */

/** Flavors a customer can pick: public and enabled. */
export function offeredFlavors(inv: Inventory, region: string): Flavor[] {
  return inv.flavors.filter((f) => f.region === region && f.public && !f.disabled);
}

/** Images a customer can boot: active, not hidden, public or community (private too when configured). */
export function offeredImages(inv: Inventory, region: string, includePrivate: boolean): Image[] {
  return inv.images.filter(
    (i) =>
      i.region === region &&
      i.status === 'active' &&
      !i.hidden &&
      !i.scs.osHidden &&
      (includePrivate || ['public', 'community'].includes(i.visibility)),
  );
}

/** Kubernetes versions the cluster offers: Cluster Stacks' usable versions, cluster classes, or its own. */
export function kubernetesVersions(c: KubernetesCluster): string[] {
  const versions = new Set<string>();
  for (const s of c.clusterStacks) if (s.usableVersions.length) versions.add(s.kubernetesVersion.replace(/^v?/, 'v'));
  for (const cc of c.clusterApi.clusterClasses)
    for (const v of cc.kubernetesVersions) versions.add(v.replace(/^v?/, 'v'));
  if (!versions.size) versions.add(c.version.gitVersion);
  return [...versions].sort();
}
