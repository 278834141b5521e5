"""Devices: how dcops reaches a network device and what that device is meant to carry.

Backup, compliance, the lab and the benchmarks all need both halves, so they live here,
below every product and above only the inventory:

- `dcops_devices.access`: one connection contract (open/close/run/configure) with a driver
  per platform, a small exception tree and bounded bulk runs with one typed result per host;
- `dcops_devices.intent`: the intended config rendered from the inventory (`baseline`),
  config trees that parse, edit and flatten it (`configtree`), and the masking of lines
  that change on their own (`masking`).
"""
