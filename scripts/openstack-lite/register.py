"""Register service users, services and endpoints in Keystone, and the demo project and reader."""
import os
from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

auth = v3.Password(auth_url=os.environ["OSL_AUTH"] + "/v3", username="admin", password=os.environ["OSL_ADMIN_PASSWORD"],
                   project_name="admin", user_domain_id="default", project_domain_id="default")
# Keystone under load (uwsgi recycling a worker) has reset connections: retry them.
ks = client.Client(session=session.Session(auth=auth), connect_retries=5)
region = "RegionOne"


def one(items):
    return items[0] if items else None


service_project = one(ks.projects.list(name="service")) or ks.projects.create("service", "default")
admin_role = one(ks.roles.list(name="admin"))
for role_name in ("member", "reader"):
    if not one(ks.roles.list(name=role_name)):
        ks.roles.create(role_name)
member_role = one(ks.roles.list(name="member"))
reader_role = one(ks.roles.list(name="reader"))

for name in ("nova", "glance", "cinder", "neutron", "placement"):
    user = one(ks.users.list(name=name)) or ks.users.create(name, domain="default", password=os.environ["OSL_SERVICE_PASSWORD"])
    ks.roles.grant(admin_role, user=user, project=service_project)
    ks.roles.grant(reader_role, user=user, system="all")
    ks.roles.grant(admin_role, user=user, system="all")

SERVICES = [
    ("nova", "compute", os.environ["OSL_NOVA"]),
    ("glance", "image", os.environ["OSL_GLANCE"]),
    ("cinderv3", "volumev3", os.environ["OSL_CINDER"]),
    ("cinder", "block-storage", os.environ["OSL_CINDER"]),
    ("neutron", "network", os.environ["OSL_NEUTRON"]),
    ("placement", "placement", os.environ["OSL_PLACEMENT"]),
]
for name, stype, url in SERVICES:
    svc = one([s for s in ks.services.list(type=stype) if s.name == name]) or ks.services.create(name, type=stype)
    for interface in ("public", "internal", "admin"):
        if not [e for e in ks.endpoints.list(service=svc, interface=interface)]:
            ks.endpoints.create(svc, url, interface=interface, region=region)

demo = one(ks.projects.list(name="gx-demo")) or ks.projects.create("gx-demo", "default", description="gx-gateway demo tenant")
reader = one(ks.users.list(name="gx-reader")) or ks.users.create("gx-reader", domain="default", password="gx-reader-secret")
for role in (member_role, reader_role):
    ks.roles.grant(role, user=reader, project=demo)
# The provider's introspection account: admin in its project (volume type encryption and extra
# specs are admin-only in Cinder's default policy).
inventory = one(ks.users.list(name="gx-inventory")) or ks.users.create("gx-inventory", domain="default", password="gx-inventory-secret")
for role in (admin_role, member_role, reader_role):
    ks.roles.grant(role, user=inventory, project=demo)
print("openstack-lite: keystone registrations done")
