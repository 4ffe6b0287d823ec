import t from 'tap';
import { buildInventory } from '../../src/inventory/build.js';
import { NetBoxSource, isCountry } from '../../src/inventory/netbox/index.js';
import { startFakeNetBox } from '../../src/demo/netbox.js';
import { startFakeOpenStack } from '../../src/demo/openstack.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { fakeCloudConfig } from '../helpers/samples.js';

const netbox = await startFakeNetBox();
const openstack = await startFakeOpenStack();
t.teardown(async () => {
  await netbox.close();
  await openstack.close();
});
const os = new OpenStackSource(fakeCloudConfig(openstack.authUrl));

t.test('sites become datacenters with country codes and addresses, tied to zones by name', async (t) => {
  const inv = await buildInventory([new NetBoxSource({ url: netbox.url, token: netbox.token, pageSize: 2 }), os]);
  t.match(
    inv.sources.find((s) => s.id === 'netbox'),
    { status: 'ok', apiVersions: { netbox: '4.1.7' } },
  );
  t.ok(
    netbox.requests.filter((r) => r.path.startsWith('/api/dcim/regions/')).length >= 3,
    'regions read in pages of 2 through `next`',
  );
  t.same(
    inv.datacenters.map((d) => [d.id, d.countryCode, d.countrySubdivisionCode, d.openstackRegion, d.availabilityZones]),
    [
      ['az-a', 'DE', 'DE-BE', 'RegionOne', ['az-a']],
      ['az-b', 'DE', 'DE-HE', 'RegionOne', ['az-b']],
      ['zrh-1', 'CH', 'CH-ZH', undefined, []],
    ],
  );
  const berlin = inv.datacenters[0]!;
  t.same(berlin.regionPath, ['eu', 'de', 'de-be']);
  t.equal(berlin.address, 'Example Straße 1\n10115 Berlin\nGermany', 'CRLF normalised');
  t.same(berlin.locations, ['az-a-room-1', 'az-a-room-2']);
});

t.test('a configured site mapping wins over name matching', async (t) => {
  const inv = await buildInventory([new NetBoxSource({ url: netbox.url, token: netbox.token }), os], {
    siteMapping: { 'zrh-1': { region: 'RegionOne', availabilityZones: ['az-b'] } },
  });
  t.same(inv.datacenters.find((d) => d.id === 'zrh-1')!.availabilityZones, ['az-b']);
});

t.test('a wrong token fails NetBox alone', async (t) => {
  const inv = await buildInventory([new NetBoxSource({ url: netbox.url, token: 'wrong' }), os]);
  t.match(
    inv.sources.find((s) => s.id === 'netbox'),
    { status: 'failed', errors: [/NetBox at http:\/\/127\.0\.0\.1:\d+ rejected the API token \(HTTP 403\)/] },
  );
  t.equal(inv.sources.find((s) => s.id === 'openstack:fake')!.status, 'ok', 'a failed source never aborts the others');
  t.ok(inv.flavors.length > 0);
  t.notMatch(JSON.stringify(inv), /wrong|netbox-demo-token/);
});

t.test('ISO 3166 country codes, not groupings', async (t) => {
  t.ok(isCountry('de'));
  t.ok(isCountry('CH'));
  t.notOk(isCountry('eu'));
  t.notOk(isCountry('xx'));
});
