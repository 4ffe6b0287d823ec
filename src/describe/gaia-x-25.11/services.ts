import type { Inventory, KubernetesCluster } from '../../inventory/model.js';
import type { DescribedCredential } from '../model.js';
import { cipher, literal } from './values.js';
import { compactObject, type Builder } from './envelope.js';
import { endpoint } from './endpoint.js';
import { kubernetesVersions } from '../offered.js';

/**
 * gx:BlockStorageServiceOffering from Cinder's volume types. The shape requires a storage
 * encryption, so a region whose volume types are all unencrypted gets no offering (and a warning)
 * rather than a false claim.
 */
export function blockStorageOffering(b: Builder, inv: Inventory, region: string): DescribedCredential | undefined {
  const types = inv.volumeTypes.filter((v) => v.region === region && v.public);
  if (!types.length) return undefined;
  const encrypted = types.filter((t) => t.encryption);
  if (!encrypted.length) {
    b.warnings.push(
      `region ${region}: no encrypted volume type, so no gx:BlockStorageServiceOffering (its storage configuration requires gx:storageEncryption)`,
    );
    return undefined;
  }
  const service = inv.services.find(
    (s) => ['block-storage', 'volumev3', 'volume'].includes(s.type) && s.region === region,
  );
  const first = encrypted[0]!.encryption!;
  const subject = compactObject({
    id: b.iris.subject('regions', region, 'offerings', 'block-storage'),
    type: 'BlockStorageServiceOffering',
    name: `${b.ctx.provider.legalName} block storage (${region})`,
    description: `OpenStack Cinder in region ${region}; volume types: ${types.map((t) => `${t.name}${t.encryption ? ' (encrypted)' : ''}`).join(', ')}.`,
    ...b.offeringCommons(),
    endpoint: service
      ? endpoint(service, 'OpenStack Block Storage API', 'https://docs.openstack.org/api-ref/block-storage/')
      : undefined,
    storageConfiguration: {
      type: 'BlockStorageConfiguration',
      name: encrypted.map((t) => t.name).join(', '),
      storageEncryption: [{ type: 'Encryption', cipher: cipher(first.cipher), keyManagement: 'managed' }],
    },
  });
  return b.credential('block-storage-offering', ['regions', region, 'offerings', 'block-storage'], subject);
}

/** gx:NetworkConnectivityServiceOffering from Neutron: external networks and how public IPs are given. */
export function networkOffering(b: Builder, inv: Inventory, region: string): DescribedCredential | undefined {
  const service = inv.services.find((s) => s.type === 'network' && s.region === region);
  if (!service) return undefined;
  const externals = inv.networks.filter((n) => n.region === region && n.external);
  const v4 = externals.some((n) => n.subnets.some((s) => s.ipVersion === 4));
  const v6 = externals.some((n) => n.subnets.some((s) => s.ipVersion === 6));
  const floating = (service.extensions ?? []).includes('router');
  const subject = compactObject({
    id: b.iris.subject('regions', region, 'offerings', 'network'),
    type: 'NetworkConnectivityServiceOffering',
    name: `${b.ctx.provider.legalName} networking (${region})`,
    description: `OpenStack Neutron in region ${region}${externals.length ? `; external networks: ${externals.map((n) => n.name).join(', ')}` : ''}.`,
    ...b.offeringCommons(),
    endpoint: endpoint(service, 'OpenStack Networking API', 'https://docs.openstack.org/api-ref/network/'),
    serviceType: 'virtual network (OpenStack Neutron)',
    publicIpAddressProvisioning:
      floating && externals.length ? 'floating' : externals.length ? 'provider-network' : undefined,
    ipVersion: v4 ? 'IPv4' : v6 ? 'IPv6' : undefined,
    connectivityConfiguration: externals.length
      ? externals.map((n) => ({
          type: 'ConnectivityConfiguration',
          name: n.name,
          description: n.subnets.map((s) => s.cidr).join(', ') || 'no subnet',
        }))
      : [
          {
            type: 'ConnectivityConfiguration',
            name: 'tenant networks',
            description: 'self-service networks, no external network',
          },
        ],
  });
  return b.credential('network-offering', ['regions', region, 'offerings', 'network'], subject);
}

/** gx:ObjectStorageServiceOffering where the catalog has object storage and the provider states its encryption. */
export function objectStorageOffering(b: Builder, inv: Inventory, region: string): DescribedCredential | undefined {
  const service = inv.services.find((s) => ['object-store', 's3'].includes(s.type) && s.region === region);
  if (!service) return undefined;
  const enc = b.ctx.provider.objectStorage?.encryption;
  if (!enc) {
    b.warnings.push(
      `region ${region}: object storage found but provider.objectStorage.encryption is not configured (gx:ObjectStorageServiceOffering requires it)`,
    );
    return undefined;
  }
  const subject = compactObject({
    id: b.iris.subject('regions', region, 'offerings', 'object-storage'),
    type: 'ObjectStorageServiceOffering',
    name: `${b.ctx.provider.legalName} object storage (${region})`,
    ...b.offeringCommons(),
    endpoint: endpoint(
      service,
      service.type === 's3' ? 'S3 API' : 'OpenStack Object Storage API',
      service.type === 's3'
        ? 'https://docs.aws.amazon.com/AmazonS3/latest/API/'
        : 'https://docs.openstack.org/api-ref/object-store/',
    ),
    objectAPICompatibility: [service.type === 's3' ? 'S3' : 'Swift'],
    storageConfiguration: { type: 'StorageConfiguration', storageEncryption: [{ type: 'Encryption', ...enc }] },
  });
  return b.credential('object-storage-offering', ['regions', region, 'offerings', 'object-storage'], subject);
}

/** gx:ContainerServiceOffering for a Kubernetes / Cluster API management cluster. */
export function containerOffering(b: Builder, c: KubernetesCluster): DescribedCredential {
  const versions = kubernetesVersions(c);
  const subject = compactObject({
    id: b.iris.subject('kubernetes', c.id, 'offering'),
    type: 'ContainerServiceOffering',
    name: `${b.ctx.provider.legalName} Kubernetes (${c.id})`,
    description: `Kubernetes clusters via Cluster API; versions ${versions.join(', ')}${c.clusterApi.clusterClasses.length ? `; cluster classes ${c.clusterApi.clusterClasses.map((cc) => cc.name).join(', ')}` : ''}.`,
    ...b.offeringCommons(),
    codeArtifact: versions.map((v) => ({
      type: 'ContainerImage',
      name: `Kubernetes ${v}`,
      version: v,
      containerFormat: 'oci',
      baseContainerImage: {
        type: 'BaseContainerImage',
        containerImageLink: 'https://registry.k8s.io/kube-apiserver',
        containerImageTag: [v],
      },
      license: ['Apache-2.0'],
      copyrightOwnedBy: [literal('The Kubernetes Authors')],
      resourcePolicy: [b.ctx.provider.policy],
    })),
    instantiationReq: [{ type: 'ContainerResourceLimits', name: 'cluster', confidential: false }],
  });
  return b.credential('container-offering', ['kubernetes', c.id, 'offering'], subject);
}
