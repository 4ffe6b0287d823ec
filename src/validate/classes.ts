/**
 * The classes gx-gateway's describe profiles emit (subjects and nested nodes). The build compiles
 * only the shapes reachable from these (and their superclasses); a graph with any other targeted
 * class is validated against the full official shapes instead, so results never depend on it.
 */
const GX = 'https://w3id.org/gaia-x/development#';
const TAGUS = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';
const SCS = 'https://w3id.org/scs/gx-gateway#';

const scs = [
  'FlavorFacts',
  'ImageFacts',
  'BlockStorageFacts',
  'VolumeType',
  'KubernetesFacts',
  'ConformanceResult',
].map((c) => SCS + c);

export const EMITTED_CLASSES: Record<'gaia-x-25.11' | 'tagus-22.10', string[]> = {
  'gaia-x-25.11': [
    ...[
      'LegalPerson',
      'Address',
      'GPSLocation',
      'VatID',
      'LeiCode',
      'EORI',
      'EUID',
      'TaxID',
      'LocalRegistrationNumber',
      'Issuer',
      'Region',
      'AvailabilityZone',
      'Datacenter',
      'ServerFlavor',
      'CpuCapabilities',
      'CPU',
      'MemoryCapabilities',
      'Memory',
      'MemorySize',
      'Disk',
      'Hypervisor',
      'GPU',
      'ConfidentialComputing',
      'VMImage',
      'CheckSum',
      'OperatingSystem',
      'MaintenanceSubscription',
      'VirtualMachineServiceOffering',
      'BlockStorageServiceOffering',
      'BlockStorageConfiguration',
      'Encryption',
      'NetworkConnectivityServiceOffering',
      'ConnectivityConfiguration',
      'ObjectStorageServiceOffering',
      'StorageConfiguration',
      'ContainerServiceOffering',
      'ContainerImage',
      'BaseContainerImage',
      'ContainerResourceLimits',
      'TermsAndConditions',
      'DataAccountExport',
      'Endpoint',
      'StandardConformity',
    ].map((c) => GX + c),
    ...scs,
  ],
  'tagus-22.10': [
    ...['LegalParticipant', 'legalRegistrationNumber', 'GaiaXTermsAndConditions', 'ServiceOffering'].map(
      (c) => TAGUS + c,
    ),
    ...scs,
  ],
};
