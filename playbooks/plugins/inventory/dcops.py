# Copyright: dcops contributors. Apache-2.0.
"""Ansible inventory plugin `dcops`: a thin adapter over dcops_inventory (see DOCUMENTATION)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: dcops
short_description: dcops typed inventory (devices and VMs) as an Ansible inventory
description:
  - Reads the dcops inventory (YAML records validated by the C(dcops_inventory) package) and
    adds every device and virtual machine that has a management address as a host.
  - Host variables are C(ansible_host) (the chosen management address, or the lab address
    map's endpoint together with C(ansible_port)), C(ansible_user) (the user name of the
    device's credentials record; passwords stay secret references and are never added),
    C(ansible_network_os) and C(ansible_connection) for network platforms (the standard
    collections' names - C(cisco.ios.ios), C(arista.eos.eos) over C(ansible.netcommon.network_cli),
    C(fortinet.fortios.fortios) over C(ansible.netcommon.httpapi)) and C(dcops_*) facts - C(dcops_platform),
    C(dcops_site), C(dcops_rack), C(dcops_role), C(dcops_model), C(dcops_manufacturer),
    C(dcops_serial), C(dcops_status), C(dcops_cluster), C(dcops_credentials) and more.
  - Groups are C(devices), C(vms), C(network) (devices with a network CLI), C(linux) (devices
    and VMs whose platform is C(linux)) and one group per value of each C(group_by) key,
    named C(<key>_<value>) with unsafe characters as C(_).
  - Linux hosts also get C(dcops_ntp_servers), the inventory's NTP servers (devices tagged
    C(ntp) and VMs whose role is C(ntp), own site first, never the host itself).
  - Uses a YAML configuration file whose name ends with C(dcops.yml) or C(dcops.yaml).
  - With C(address_map) (a lab run) only devices present in the map are added, at the
    map's loopback endpoints; the inventory's own addresses are never used then.
version_added: "0.1.0"
author:
  - dcops contributors
extends_documentation_fragment:
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - Marks this file as a configuration of this plugin - C(dcops.dcops.dcops) when the plugin comes
        from the installed collection, C(dcops) when it is found through an C(inventory_plugins) path.
    required: true
    choices: ['dcops', 'dcops.dcops.dcops']
    type: str
  inventory_path:
    description:
      - Directory (or YAML file) of the dcops inventory. A relative path set in this
        configuration file is relative to the file's directory.
      - When not set (or empty) here, the E(DCOPS_INVENTORY) environment variable is used,
        relative to the working directory; when that is unset too, the embedded default
        inventory (the MTPE data center). This is the order every C(dcops) command follows.
      - A selected inventory that does not exist, is neither a directory nor a YAML file, or
        holds no YAML files fails the source with a message naming the path and where it
        came from; it never falls back to the default.
    type: str
    default: ''
    env:
      - name: DCOPS_INVENTORY
  address_map:
    description:
      - A lab address map (YAML or JSON, C(devices -> {host, ssh, snmp})) as written by
        C(dcops lab start). When set, hosts get the map's host and SSH port and devices
        absent from the map are skipped. Relative paths are relative to this file's directory.
    type: str
    default: ''
    env:
      - name: DCOPS_ADDRESS_MAP
  management_address:
    description:
      - Which address becomes C(ansible_host). C(primary) is the management address, else
        the out-of-band one. VMs only have a management address.
    type: str
    default: primary
    choices: ['mgmt', 'oob', 'primary']
  group_by:
    description: Keys to make groups from, like netbox.netbox.nb_inventory's C(group_by).
    type: list
    elements: str
    default: ['site', 'role', 'platform', 'rack', 'cluster', 'status']
    choices: ['site', 'role', 'platform', 'rack', 'cluster', 'status', 'manufacturer', 'model',
              'device_type', 'tags', 'ownership', 'kind']
  include_vms:
    description: Add virtual machines as hosts too.
    type: bool
    default: true
  statuses:
    description: Only add devices and VMs with these statuses (all when empty).
    type: list
    elements: str
    default: []
  compile:
    description:
      - Keep the compiled view (hosts, variables, groups) as JSON keyed by a fingerprint of
        every inventory file, the address map and these options, and reuse it while none
        of them changed. Independent of Ansible's C(cache) options, and always correct.
    type: bool
    default: true
    env:
      - name: DCOPS_INVENTORY_COMPILE
  compile_dir:
    description: Where compiled views are kept (default C($XDG_CACHE_HOME/dcops/ansible-inventory)).
    type: str
    default: ''
  preload_access_layer:
    description:
      - Import the dcops device-access layer (netmiko, paramiko) while building the
        inventory, so that Ansible's forked workers inherit it instead of importing it once
        per host, and load the inventory once for the per-host actions. Worth it for
        playbooks over many devices; useless for C(ansible-inventory).
    type: bool
    default: false
"""

EXAMPLES = r"""
# Each example is a configuration file of its own (its name ends in dcops.yml), so they are
# separate YAML documents. With the collection installed the plugin is dcops.dcops.dcops;
# from a checkout of the dcops repository (its ansible.cfg) the short name dcops works too.
---
# inventory/dcops.yml - every device and VM of the embedded MTPE inventory
plugin: dcops.dcops.dcops
---
# lab.dcops.yml - a lab run: the simulated fleet's address map decides where to connect
plugin: dcops.dcops.dcops
inventory_path: ../tests/fixtures/ansible/inventory
address_map: /tmp/lab/address-map.yaml
---
# oob.dcops.yml - out-of-band addresses, groups by site and model only, active devices, cached
plugin: dcops.dcops.dcops
management_address: oob
group_by: [site, model]
statuses: [active]
include_vms: false
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: /tmp/dcops-inventory-cache
---
# constructed.dcops.yml - constructed features on top of the dcops facts
plugin: dcops.dcops.dcops
compose:
  snmp_target: dcops_mgmt_ip
groups:
  rented_switches: dcops_ownership == 'rented' and dcops_role.endswith('_switch')
keyed_groups:
  - key: dcops_manufacturer | lower
    prefix: vendor
"""

import os
from pathlib import Path

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.template import trust_as_template

# Host variables whose value is a Jinja expression the plugin writes itself; every other
# value is inventory data and stays untrusted (never templated).
TEMPLATED_VARS = frozenset({"ansible_python_interpreter"})


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "dcops"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith(("dcops.yml", "dcops.yaml"))

    def _resolve(self, base, value):
        if not value:
            return ""
        value = os.path.expanduser(value)
        return value if os.path.isabs(value) else os.path.normpath(os.path.join(base, value))

    def _inventory_path(self, path):
        """The inventory this source reads: `inventory_path` from the file, else DCOPS_INVENTORY,
        else the embedded default (dcops_inventory.location, shared with every dcops command)."""
        from dcops_inventory.location import InventoryLocationError, resolve_inventory

        value, origin = self.get_option_and_origin("inventory_path")
        try:
            if value and origin == "Direct":  # set in this file: relative to the file's directory
                location = resolve_inventory(value, origin=f"inventory_path in {path}",
                                             base=os.path.dirname(os.path.abspath(path)))
            else:  # the environment variable (relative to the working directory) or the default
                location = resolve_inventory(None)
        except InventoryLocationError as exc:
            raise AnsibleParserError(f"dcops inventory plugin ({path}): {exc}") from exc
        return str(location.path)

    def _build(self, path, inv_path):
        from dcops_ansible import compiled, runtime
        from dcops_ansible.hostvars import build_view
        from dcops_inventory import AddressMap, InventoryError

        base = os.path.dirname(os.path.abspath(path))
        map_path = self._resolve(base, self.get_option("address_map"))
        key = cache_dir = None
        if self.get_option("compile"):
            options = {k: self.get_option(k) for k in ("management_address", "group_by", "include_vms", "statuses")}
            cache_dir = Path(self._resolve(base, self.get_option("compile_dir")) or compiled.default_cache_dir())
            try:
                key = compiled.fingerprint(inv_path, map_path, options)
            except OSError as exc:
                raise AnsibleParserError(f"dcops inventory plugin ({path}): {exc}") from exc
            data = compiled.load(cache_dir, key)
            if data is not None:
                return data
        try:
            inv = runtime.inventory(inv_path)
            amap = AddressMap.load(map_path) if map_path else None
            view = build_view(
                inv, address=self.get_option("management_address"), address_map=amap,
                group_by=self.get_option("group_by"), include_vms=self.get_option("include_vms"),
                statuses=self.get_option("statuses"), inventory_source=str(inv.root.resolve()),
                address_map_source=map_path)
        except (InventoryError, ValueError, OSError) as exc:
            raise AnsibleParserError(f"dcops inventory plugin ({path}): {exc}") from exc
        data = view.to_dict()
        if key is not None:
            compiled.save(cache_dir, key, data)
        return data

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        inv_path = self._inventory_path(path)
        if self.get_option("preload_access_layer"):
            import dcops_devices.access  # noqa: F401  (forked workers inherit it)
            from dcops_ansible import runtime

            runtime.inventory(inv_path)

        cache_key = self.get_cache_key(path)
        use_cache = self.get_option("cache") and cache
        data = None
        if use_cache:
            try:
                data = self._cache[cache_key]
            except KeyError:
                data = None
        if data is None:
            data = self._build(path, inv_path)
            if self.get_option("cache"):
                self._cache[cache_key] = data
        self._populate(data)

    def _populate(self, data):
        inv = self.inventory
        strict = self.get_option("strict")
        compose, groups, keyed = self.get_option("compose"), self.get_option("groups"), self.get_option("keyed_groups")
        for key, value in data["all_vars"].items():
            inv.set_variable("all", key, value)
        for group in data["groups"]:
            inv.add_group(group)
        for host, hostvars in data["hosts"].items():
            inv.add_host(host)
            for key, value in hostvars.items():
                if key in TEMPLATED_VARS:
                    value = trust_as_template(value)  # our own expression, not inventory data
                inv.set_variable(host, key, value)
        for group, members in data["groups"].items():
            for host in members:
                inv.add_child(group, host)
        if compose or groups or keyed:
            for host, hostvars in data["hosts"].items():
                self._set_composite_vars(compose, hostvars, host, strict=strict)
                self._add_host_to_composed_groups(groups, hostvars, host, strict=strict)
                self._add_host_to_keyed_groups(keyed, hostvars, host, strict=strict)
