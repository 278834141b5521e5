"""The lab's Linux servers: real Debian systems in network namespaces, reached over SSH.

`rootfs` builds and caches the Debian root filesystem, `server` runs one copy of it in its
own namespaces with a veth pair to this machine, `lab` starts a set of them for inventory
hosts and writes the lab address map, and `init` is PID 1 inside each server.
"""
