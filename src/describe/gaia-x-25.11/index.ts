import type { Inventory } from '../../inventory/model.js';
import type { DescribeContext, DescribedCredential, DescribeProfile } from '../model.js';
import { blockStorageFacts, conformanceFacts, flavorFacts, imageFacts, kubernetesFacts } from '../scs.js';
import { offeredFlavors, offeredImages, kubernetesVersions } from '../offered.js';
import { computeOffering, serverFlavor, vmImage } from './compute.js';
import { Builder } from './envelope.js';
import { describeLocations } from './location.js';
import { describeProvider } from './provider.js';
import { blockStorageOffering, containerOffering, networkOffering, objectStorageOffering } from './services.js';

/**
 * Gaia-X 25.11 (VC Data Model 2.0): one credential per resource, so each can change, be signed and
 * be revoked on its own; offerings reference their resources by IRI.
 */
export const gaiaX2511: DescribeProfile = {
  id: 'gaia-x-25.11',
  describe(inv: Inventory, ctx: DescribeContext) {
    const b = new Builder(ctx);
    const out: DescribedCredential[] = [...describeProvider(b)];
    const scs = (path: string[], subject: ReturnType<typeof flavorFacts>) => {
      if (subject) out.push(b.credential('scs-facts', path, subject, { scs: true }));
    };
    for (const region of inv.regions) {
      out.push(...describeLocations(b, inv, region).credentials);
      const flavors = offeredFlavors(inv, region.id).map((f) => {
        const c = serverFlavor(b, f);
        scs(
          ['regions', region.id, 'flavors', f.id, 'scs'],
          flavorFacts(f, c.subject, b.iris.subject('regions', region.id, 'flavors', f.id, 'scs')),
        );
        return c;
      });
      const images = offeredImages(inv, region.id, ctx.provider.images.includePrivate).flatMap((img) => {
        const c = vmImage(b, img);
        if (!c) return [];
        scs(
          ['regions', region.id, 'images', img.id, 'scs'],
          imageFacts(img, c.subject, b.iris.subject('regions', region.id, 'images', img.id, 'scs')),
        );
        return [c];
      });
      out.push(...flavors, ...images);
      const compute = computeOffering(b, inv, region.id, flavors, images);
      if (compute) out.push(compute);
      const block = blockStorageOffering(b, inv, region.id);
      if (block) {
        out.push(block);
        scs(
          ['regions', region.id, 'offerings', 'block-storage', 'scs'],
          blockStorageFacts(
            inv,
            region.id,
            block.subject,
            b.iris.subject('regions', region.id, 'offerings', 'block-storage', 'scs'),
          ),
        );
      }
      for (const offering of [networkOffering(b, inv, region.id), objectStorageOffering(b, inv, region.id)])
        if (offering) out.push(offering);
    }
    for (const cluster of inv.kubernetesClusters) {
      const c = containerOffering(b, cluster);
      out.push(c);
      scs(
        ['kubernetes', cluster.id, 'offering', 'scs'],
        kubernetesFacts(
          cluster,
          kubernetesVersions(cluster),
          c.subject,
          b.iris.subject('kubernetes', cluster.id, 'offering', 'scs'),
        ),
      );
    }
    for (const r of inv.conformance) {
      for (const subject of conformanceFacts(r, b.legalPerson, (v) => b.iris.subject('conformance', r.scope.uuid, v))) {
        scs(['conformance', r.scope.uuid, String(subject.scopeVersion)], subject);
      }
    }
    return { credentials: out, warnings: b.warnings };
  },
};
