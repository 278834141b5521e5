"""Ansible for dcops: the dynamic inventory's logic, config backup and compliance.

The Ansible plugin files under playbooks/plugins/ are thin adapters over this package, so
the same code serves `ansible-inventory`, the playbooks and `dcops ansible ...`.
"""
