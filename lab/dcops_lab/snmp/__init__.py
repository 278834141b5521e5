"""The lab's SNMP side: snmpsim agents for inventory devices, and the monitoring around them.

`records` renders each device's `.snmprec` from the inventory, `lab` runs the agents on
127.0.0.1, `wire` is the lab's own SNMP GET for readiness checks, `faults` the agents that
misbehave on purpose, `services` the dcops exporter, Prometheus and the reference
snmp_exporter as child processes, and `monitoring` wires all of it in one call.
"""
