"""Seed openstack-lite with SCS content (flavors with extra specs, images with scs-0102 metadata,
volume types with encryption, an external network, availability zones) from a JSON file."""
import io
import json
import os
import subprocess
import sys
import uuid

import openstack

seed = json.load(open(sys.argv[1]))
conn = openstack.connect(cloud="openstack-lite-admin", connect_retries=5)
PREFIX = os.environ.get("OSL_PREFIX", "gxosl_")
user, host = os.environ.get("OSL_DB", "root@127.0.0.1").split("@")


def sql(statements):
    subprocess.run(["mariadb", "-u", user, "-h", host, "-e", statements], check=True)


def q(s):
    return "'" + s.replace("'", "''") + "'"


# Availability zones. A control plane without hypervisors has no service records to carry zones,
# so service rows are registered the way the agents would, then zones are assigned through the APIs.
azs = seed["availabilityZones"]
nova_hosts = []
stmts = []
for i, zone in enumerate(azs["compute"]):
    host_name = f"compute-{i + 1}"
    nova_hosts.append((host_name, zone))
    stmts.append(
        f"INSERT INTO {PREFIX}nova.services (created_at, updated_at, deleted, host, `binary`, topic, report_count, disabled, forced_down, version, uuid) "
        f"VALUES (NOW(), NOW(), 0, {q(host_name)}, 'nova-compute', 'compute', 1, 0, 0, 66, {q(str(uuid.uuid4()))});"
    )
    stmts.append(
        f"INSERT INTO {PREFIX}nova_api.host_mappings (created_at, cell_id, host) "
        f"SELECT NOW(), id, {q(host_name)} FROM {PREFIX}nova_api.cell_mappings WHERE name = 'cell1';"
    )
for i, zone in enumerate(azs["volume"]):
    stmts.append(
        f"INSERT INTO {PREFIX}cinder.services (created_at, updated_at, deleted, host, `binary`, topic, report_count, disabled, availability_zone, uuid, frozen, active_backend_id) "
        f"VALUES (NOW(), NOW(), 0, {q(f'volume-{i + 1}@backend')}, 'cinder-volume', 'cinder-volume', 1, 0, {q(zone)}, {q(str(uuid.uuid4()))}, 0, NULL);"
    )
for i, zone in enumerate(azs["network"]):
    stmts.append(
        f"INSERT INTO {PREFIX}neutron.agents (id, agent_type, `binary`, topic, host, admin_state_up, created_at, started_at, heartbeat_timestamp, configurations, availability_zone, `load`) "
        f"VALUES ({q(str(uuid.uuid4()))}, 'DHCP agent', 'neutron-dhcp-agent', 'dhcp_agent', {q(f'network-{i + 1}')}, 1, NOW(), NOW(), NOW(), '{{}}', {q(zone)}, 0);"
    )
# Host aggregates carrying the zones, as nova-api stores them (adding a host through the API
# needs a compute node and Placement inventory, which a control plane without hypervisors lacks).
for zone in sorted(set(z for _, z in nova_hosts)):
    agg = f"agg-{zone}"
    stmts.append(f"INSERT INTO {PREFIX}nova_api.aggregates (created_at, uuid, name) VALUES (NOW(), {q(str(uuid.uuid4()))}, {q(agg)});")
    stmts.append(
        f"INSERT INTO {PREFIX}nova_api.aggregate_metadata (created_at, aggregate_id, `key`, value) "
        f"SELECT NOW(), id, 'availability_zone', {q(zone)} FROM {PREFIX}nova_api.aggregates WHERE name = {q(agg)};"
    )
    for host_name, z in nova_hosts:
        if z == zone:
            stmts.append(
                f"INSERT INTO {PREFIX}nova_api.aggregate_hosts (created_at, host, aggregate_id) "
                f"SELECT NOW(), {q(host_name)}, id FROM {PREFIX}nova_api.aggregates WHERE name = {q(agg)};"
            )
sql("\n".join(stmts))

# Flavors with extra specs.
for f in seed["flavors"]:
    flavor = conn.compute.create_flavor(name=f["name"], vcpus=f["vcpus"], ram=f["ramMiB"], disk=f["diskGiB"], is_public=f["public"])
    if f["extraSpecs"]:
        conn.compute.create_flavor_extra_specs(flavor, f["extraSpecs"])

# Images: tiny data, full scs-0102 properties.
for img in seed["images"]:
    props = dict(img["properties"])
    image = conn.image.create_image(
        name=img["name"], disk_format=img["diskFormat"], container_format=img["containerFormat"],
        min_disk=img["minDiskGiB"], min_ram=img["minRamMiB"], visibility=img["visibility"], tags=img["tags"],
        data=io.BytesIO(("gx-gateway test image " + img["name"]).encode() * 64), validate_checksum=False, **props,
    )

# Volume types and encryption.
for vt in seed["volumeTypes"]:
    if vt.get("preexisting"):
        continue
    t = conn.block_storage.create_type(name=vt["name"], description=vt["description"], is_public=vt["public"], extra_specs=vt["extraSpecs"])
    enc = vt.get("encryption")
    if enc:
        conn.block_storage.create_type_encryption(t, provider=enc["provider"], cipher=enc["cipher"], key_size=enc["keySizeBits"], control_location=enc["controlLocation"])

# External network with a subnet.
for n in seed["networks"]:
    net = conn.network.create_network(name=n["name"], is_router_external=n["external"], is_shared=n["shared"],
                                      provider_network_type=n["providerNetworkType"], provider_physical_network=n["physicalNetwork"], mtu=n["mtu"])
    for s in n["subnets"]:
        conn.network.create_subnet(network_id=net.id, name=s["name"], cidr=s["cidr"], ip_version=s["ipVersion"])

print(f"openstack-lite: seeded {len(seed['flavors'])} flavors, {len(seed['images'])} images, "
      f"{len(seed['volumeTypes'])} volume types, {len(seed['networks'])} networks, zones {azs}")
