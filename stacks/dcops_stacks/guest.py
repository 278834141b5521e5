"""vSphere guest OS identifiers for the inventory's operating systems.

A registry keyed by the start of the inventory's `os` name, then by platform, so a new OS
is one line here and never an if-chain in a component.
"""

from __future__ import annotations

# inventory os name prefix -> vSphere guestId (longest prefix wins)
BY_OS: dict[str, str] = {
    "rhel-9": "rhel9_64Guest",
    "rhel-8": "rhel8_64Guest",
    "rhel-7": "rhel7_64Guest",
    "rhel-6": "rhel6_64Guest",
    "rhel": "rhel7_64Guest",
    "centos-8": "centos8_64Guest",
    "centos-7": "centos7_64Guest",
    "centos-6": "centos6_64Guest",
    "centos": "centos7_64Guest",
    "ubuntu": "ubuntu64Guest",
    "debian": "debian10_64Guest",
    "oracle-linux": "oracleLinux7_64Guest",
    "windows-2019": "windows2019srv_64Guest",
    "windows-2016": "windows9Server64Guest",
    "windows-2012": "windows8Server64Guest",
    "windows-2008": "windows7Server64Guest",
    "windows-2003": "winNetStandardGuest",
    "windows-2000": "win2000ServGuest",
    "solaris": "solaris11_64Guest",
    "freebsd": "freebsd12_64Guest",
}
# platform -> guestId when no OS prefix matches
BY_PLATFORM: dict[str, str] = {
    "linux": "otherLinux64Guest",
    "windows": "windows9Server64Guest",
    "solaris": "solaris11_64Guest",
    "bsd": "freebsd12_64Guest",
}


def guest_id(os_name: str, platform: str) -> str:
    for prefix in sorted(BY_OS, key=len, reverse=True):
        if os_name.startswith(prefix):
            return BY_OS[prefix]
    return BY_PLATFORM.get(platform, "otherGuest64")
