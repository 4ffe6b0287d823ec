#!/usr/bin/env bash
# Install Debian's OpenStack API services (no systemd, nothing started by the packages).
set -euo pipefail
if command -v keystone-manage >/dev/null && command -v nova-manage >/dev/null && command -v neutron-server >/dev/null \
   && command -v glance-manage >/dev/null && command -v cinder-manage >/dev/null && command -v placement-manage >/dev/null \
   && [ -e /usr/lib/uwsgi/plugins/python3_plugin.so ] && /usr/bin/python3 -c 'import openstack, pymysql' 2>/dev/null; then
  echo "openstack-lite: packages already installed"
  exit 0
fi
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  keystone python3-keystone glance-api nova-api placement-api cinder-api neutron-server \
  python3-openstackclient python3-pymysql uwsgi-core uwsgi-plugin-python3 curl >/dev/null
echo "openstack-lite: packages installed"
