"""How each platform's CLI looks in the lab: prompts, show outputs, configuration mode.

One dialect class per platform, found through `DIALECTS` (an unknown platform names the
known ones). Show outputs follow the real devices' layout closely enough for the
ntc-templates parsers; `show running-config` is rendered from the live config tree, so a
pushed change shows in the next one. Volatile header lines (clock, config size, file
version) are real and change, which is what backup masking exists for.

`show vlan brief` (IOS) / `show vlan` (EOS) are rendered from the same tree (the `vlan N`
blocks, the ports' `switchport access vlan`), so `vlan N` / `name X` / `no vlan N` pushes
show at once. `show version`, `show inventory` and `show lldp neighbors` tell the device's
facts as the inventory has them (serial, model, neighbours from the cabling): a fresh lab
agrees with the inventory. Tests make a device contradict it with the lab-only exec
commands `lab inject serial S`, `lab inject model M`, `lab inject neighbor LOCAL DEVICE
PORT` and undo them with `lab reset` (no real NOS has them; they change only the facts
the device tells, never its config).
"""

from __future__ import annotations

import dataclasses
import re
import time

from dcops_devices.intent import configtree
from dcops_lab.fakenos.devices import DeviceSpec, DeviceState, NeighborSpec

_IF_SHORT = {"GigabitEthernet": "Gi", "TenGigabitEthernet": "Te", "Ethernet": "Et", "Management": "Ma",
             "FortyGigabitEthernet": "Fo", "HundredGigE": "Hu"}


def _short(port: str) -> str:
    for long, short in _IF_SHORT.items():
        if port.startswith(long):
            return short + port[len(long):]
    return port


def _stamp(t: float) -> str:
    return time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(t))


# The spec each device booted with, kept when a test injects a contradiction (`lab reset`).
_BOOT_SPECS: dict[str, DeviceSpec] = {}


def lab_command(state: DeviceState, cmd: str) -> str | None:
    """`lab inject serial|model VALUE`, `lab inject neighbor LOCAL DEVICE PORT`, `lab reset`:
    change the facts a device tells (not its config), so tests can make it disagree with
    the inventory. None when `cmd` is not one of them."""
    words = cmd.split()
    if words[:1] != ["lab"]:
        return None
    with state.lock:
        spec = _BOOT_SPECS.setdefault(state.spec.name, state.spec)
        if words[1:] == ["reset"]:
            state.spec = spec
            return ""
        if len(words) == 4 and words[1] == "inject" and words[2] in ("serial", "model"):
            state.spec = dataclasses.replace(state.spec, **{words[2]: words[3]})
            return ""
        if len(words) == 6 and words[1:3] == ["inject", "neighbor"]:
            local, device, port = words[3:]
            kept = [n for n in state.spec.neighbors if n.local_port != local]
            state.spec = dataclasses.replace(state.spec, neighbors=tuple(
                sorted([*kept, NeighborSpec(local, device, port)], key=lambda n: n.local_port)))
            return ""
    return "% lab: use lab inject serial|model VALUE | lab inject neighbor LOCAL DEVICE PORT | lab reset"


# Lines that open a top-level block; in a block they leave it first, as on IOS and EOS.
_TOP_LEVEL = r"^(interface|vlan|router|line|ip access-list|management)\b"


class Dialect:
    """Session logic shared by the indentation-syntax platforms (IOS, EOS)."""

    platform = ""
    exec_suffix = "#"
    config_suffix = "(config)#"
    vlan_commands: tuple[str, ...] = ()
    default_vlans: tuple[tuple[int, str], ...] = ((1, "default"),)

    def __init__(self, state: DeviceState):
        self.state = state
        self.block: configtree.Node | None = None
        self.in_config = False
        self.session_changed = False

    # prompts -----------------------------------------------------------------------------
    def prompt(self) -> str:
        name = self.state.spec.name
        if not self.in_config:
            return f"{name}{self.exec_suffix}"
        if self.block is not None:
            return f"{name}(config-{self.block.line.split()[0][:4]})#"
        return f"{name}{self.config_suffix}"

    # commands ----------------------------------------------------------------------------
    def handle(self, line: str) -> str | None:
        """Output for `line`, or None when the command is unknown here."""
        if self.in_config:
            return self.configure(line)
        cmd, _, pipe = line.partition(" | ")
        cmd = " ".join(cmd.split())
        out = self.exec(cmd)
        if out is None:
            return None
        return self.filter(out, pipe) if pipe else out

    @staticmethod
    def filter(text: str, pipe: str) -> str:
        verb, _, arg = pipe.strip().partition(" ")
        if verb in ("include", "grep", "i"):
            return "\n".join(line for line in text.splitlines() if re.search(arg, line))
        if verb in ("exclude", "e"):
            return "\n".join(line for line in text.splitlines() if not re.search(arg, line))
        return text

    def exec(self, cmd: str) -> str | None:
        # netmiko sets width 511, Ansible's network_cli terminal plugins 512 (arista.eos).
        if re.fullmatch(r"terminal (length 0|width \d+|pager 0)", cmd):
            return self.terminal_reply(cmd)
        if cmd in ("enable",):
            return ""
        if cmd in ("configure terminal", "configure", "conf t"):
            self.in_config, self.block = True, None
            return "Enter configuration commands, one per line.  End with CNTL/Z."
        if cmd in ("show running-config", "show run", "show running-config all"):
            with self.state.lock:
                return "\n".join(self.running_config())
        if cmd == "show version":
            return self.show_version()
        if cmd == "show interfaces":
            return self.show_interfaces()
        if cmd == "show lldp neighbors":
            return self.show_lldp()
        if cmd == "show inventory":
            return self.show_inventory()
        if cmd in self.vlan_commands:
            with self.state.lock:
                return self.show_vlan()
        if cmd.startswith("lab "):
            return lab_command(self.state, cmd)
        if cmd in ("write memory", "copy running-config startup-config", "wr"):
            return "Building configuration...\n[OK]"
        return None

    def terminal_reply(self, cmd: str) -> str:
        return ""

    def configure(self, line: str) -> str:
        stripped = line.strip()
        with self.state.lock:
            root = self.state.tree
            if stripped in ("end", "\x1a"):
                self.in_config, self.block = False, None
                return ""
            if stripped == "exit":
                if self.block is None:
                    self.in_config = False
                self.block = None
                return ""
            if not stripped or stripped.startswith("!"):
                return ""
            if stripped.startswith("no "):
                top = re.match(_TOP_LEVEL, stripped[3:]) is not None
                parent = self.block if self.block is not None and not top else root
                if top:
                    self.block = None
                if configtree.remove_line(parent, stripped[3:]):
                    self.state.touch()
                return ""
            if re.match(_TOP_LEVEL, stripped):
                before = configtree.render_indented(root)
                self.block = configtree.set_line(root, stripped)
                if configtree.render_indented(root) != before:
                    self.state.touch()
                return ""
            parent = self.block if self.block is not None else root
            before = configtree.render_indented(root)
            configtree.set_line(parent, stripped)
            if configtree.render_indented(root) != before:
                self.state.touch()
            return ""

    # outputs, specialised per platform ----------------------------------------------------
    def running_config(self) -> list[str]:
        raise NotImplementedError

    def show_version(self) -> str:
        raise NotImplementedError

    def show_interfaces(self) -> str:
        raise NotImplementedError

    def show_lldp(self) -> str:
        raise NotImplementedError

    def show_inventory(self) -> str:
        raise NotImplementedError

    def show_vlan(self) -> str:
        raise NotImplementedError

    # VLANs from the live config tree (call with the state's lock held) ---------------------
    def vlans(self) -> list[tuple[int, str, list[str]]]:
        """(vid, name, access ports) of every VLAN the device has: the defaults and the
        `vlan N` blocks; a port is listed under its access VLAN (VLAN 1 unless configured),
        trunk ports under none, as `show vlan brief` lists them."""
        root = self.state.tree
        names = dict(self.default_vlans)
        for node in root.children:
            m = re.fullmatch(r"vlan (\d+)", node.line)
            if m:
                vid = int(m.group(1))
                name = next((c.line.split(None, 1)[1] for c in node.children if c.line.startswith("name ")),
                            f"VLAN{vid:04d}")
                names[vid] = name
        ports: dict[int, list[str]] = {}
        for p in self.state.spec.ports:
            block = root.find(f"interface {p.name}")
            lines = [c.line for c in block.children] if block is not None else []
            if "switchport mode trunk" in lines or p.name.startswith(("Management", "mgmt")):
                continue
            vid = next((int(x.split()[-1]) for x in lines if x.startswith("switchport access vlan ")), 1)
            ports.setdefault(vid, []).append(_short(p.name))
        return [(vid, name, ports.get(vid, [])) for vid, name in sorted(names.items())]


class CiscoIos(Dialect):
    platform = "cisco_ios"
    vlan_commands = ("show vlan brief", "show vlan")
    default_vlans = ((1, "default"), (1002, "fddi-default"), (1003, "token-ring-default"),
                     (1004, "fddinet-default"), (1005, "trnet-default"))

    def running_config(self) -> list[str]:
        body = configtree.render_indented(self.state.tree)
        text_len = sum(len(line) + 1 for line in body)
        return ["Building configuration...", "", f"Current configuration : {text_len} bytes", "!",
                f"! Last configuration change at {_stamp(self.state.changed)} by netadmin",
                f"! NVRAM config last updated at {_stamp(self.state.changed)} by netadmin",
                "!", "version 17.9", "service timestamps log datetime msec", "!",
                *body, "ntp clock-period 36028797", "!", "end"]

    def show_version(self) -> str:
        s = self.state.spec
        return "\n".join([
            f"Cisco IOS XE Software, Version {s.version}",
            f"Cisco IOS Software [Cupertino], Catalyst L3 Switch Software (CAT9K_IOSXE), Version {s.version}, RELEASE SOFTWARE (fc2)",
            "Technical Support: http://www.cisco.com/techsupport",
            "ROM: IOS-XE ROMMON", "",
            f"{s.name} uptime is {self.state.uptime()}",
            "Uptime for this control processor is " + self.state.uptime(),
            "System returned to ROM by Reload Command",
            'System image file is "flash:packages.conf"',
            "Last reload reason: Reload Command", "",
            f"cisco {s.model} (X86) processor with 1338934K/6147K bytes of memory.",
            f"Processor board ID {s.serial}",
            f"{len(s.ports)} Gigabit Ethernet interfaces",
            "Base Ethernet MAC Address          : 00:1c:73:00:00:01",
            "Configuration register is 0x102", ""])

    def show_interfaces(self) -> str:
        out = []
        for i, p in enumerate(self.state.spec.ports):
            status = "up" if p.enabled else "administratively down"
            proto = "up" if p.enabled else "down"
            speed = "1000Mb/s" if p.speed_mbps <= 1000 else f"{p.speed_mbps // 1000}Gb/s"
            out += [f"{p.name} is {status}, line protocol is {proto} (connected)",
                    f"  Hardware is Gigabit Ethernet, address is 001c.7300.{i:04x} (bia 001c.7300.{i:04x})"]
            if p.description:
                out.append(f"  Description: {p.description}")
            pk = self.state.counter(i)
            out += [f"  MTU 1500 bytes, BW {p.speed_mbps * 1000} Kbit/sec, DLY 10 usec,",
                    "     reliability 255/255, txload 1/255, rxload 1/255",
                    "  Encapsulation ARPA, loopback not set",
                    f"  Full-duplex, {speed}, media type is 10/100/1000BaseTX",
                    "  Last input 00:00:00, output 00:00:00, output hang never",
                    "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
                    "  Queueing strategy: fifo",
                    "  5 minute input rate 1000 bits/sec, 2 packets/sec",
                    "  5 minute output rate 2000 bits/sec, 3 packets/sec",
                    f"     {pk} packets input, {pk * 64} bytes, 0 no buffer",
                    "     0 runts, 0 giants, 0 throttles",
                    "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
                    f"     {pk * 2} packets output, {pk * 128} bytes, 0 underruns",
                    "     0 output errors, 0 collisions, 0 interface resets"]
        return "\n".join(out)

    def show_lldp(self) -> str:
        out = ["Capability codes:", "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
               "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other", "",
               "Device ID           Local Intf     Hold-time  Capability      Port ID"]
        for n in self.state.spec.neighbors:
            out.append(f"{n.device[:20]:<20}{_short(n.local_port):<15}{120:<11}{'B,R':<16}{_short(n.port)}")
        out += ["", f"Total entries displayed: {len(self.state.spec.neighbors)}"]
        return "\n".join(out)

    def show_inventory(self) -> str:
        s = self.state.spec
        return "\n".join([f'NAME: "{s.name}", DESCR: "Cisco {s.model} chassis"',
                          f"PID: {s.model:<18}, VID: V02  , SN: {s.serial}", ""])

    def show_vlan(self) -> str:
        out = ["", "VLAN Name                             Status    Ports",
               "---- -------------------------------- --------- -------------------------------"]
        for vid, name, ports in self.vlans():
            status = "act/unsup" if vid >= 1002 else "active"
            chunks = [ports[i:i + 4] for i in range(0, len(ports), 4)] or [[]]
            out.append(f"{vid:<5}{name[:32]:<33}{status:<10}{', '.join(chunks[0])}".rstrip())
            out += [" " * 48 + ", ".join(c) for c in chunks[1:]]
        return "\n".join(out)


class AristaEos(Dialect):
    platform = "arista_eos"
    vlan_commands = ("show vlan",)

    def terminal_reply(self, cmd: str) -> str:
        return "Pagination disabled." if "length" in cmd else f"Width set to {cmd.split()[-1]} columns."

    def running_config(self) -> list[str]:
        s = self.state.spec
        body = configtree.render_indented(self.state.tree, step=3)
        return ["! Command: show running-config",
                f"! device: {s.name} ({s.model}, EOS-{s.version})",
                f"! Time: {time.strftime('%a %b %d %H:%M:%S %Y', time.gmtime())}", "!",
                "! boot system flash:/EOS.swi", "!", *body, "!", "end"]

    def show_version(self) -> str:
        s = self.state.spec
        return "\n".join([
            f"Arista {s.model}", "Hardware version: 11.01", f"Serial number: {s.serial}",
            "Hardware MAC address: 001c.7300.0001", "System MAC address: 001c.7300.0001", "",
            f"Software image version: {s.version}", "Architecture: x86_64",
            "Internal build version: 4.28.3M-28837868.4283M", "Internal build ID: 0e9a6b5c",
            "Image format version: 1.0", "", f"Uptime: {self.state.uptime()}",
            "Total memory: 8099732 kB", "Free memory: 6240936 kB", ""])

    def show_interfaces(self) -> str:
        out = []
        for i, p in enumerate(self.state.spec.ports):
            status = "up" if p.enabled else "administratively down"
            out += [f"{p.name} is {status}, line protocol is {'up' if p.enabled else 'down'} (connected)",
                    f"  Hardware is Ethernet, address is 001c.7300.{i:04x} (bia 001c.7300.{i:04x})"]
            if p.description:
                out.append(f"  Description: {p.description}")
            pk = self.state.counter(i)
            out += [f"  Ethernet MTU 9214 bytes, BW {p.speed_mbps * 1000} kbit",
                    f"  Full-duplex, {p.speed_mbps // 1000 or 1}Gb/s, auto negotiation: off, uplink: off",
                    "  Up 5 days, 3 hours, 2 minutes, 1 second",
                    "  Loopback Mode : None",
                    "  1 link status changes since last clear",
                    "  Last clearing of \"show interface\" counters never",
                    "  5 minutes input rate 1.02 kbps (0.0% with framing overhead), 2 packets/sec",
                    "  5 minutes output rate 2.04 kbps (0.0% with framing overhead), 3 packets/sec",
                    f"     {pk} packets input, {pk * 64} bytes",
                    "     Received 0 broadcasts, 0 multicast",
                    "     0 runts, 0 giants",
                    "     0 input errors, 0 CRC, 0 alignment, 0 symbol, 0 input discards",
                    "     0 PAUSE input",
                    f"     {pk * 2} packets output, {pk * 128} bytes",
                    "     Sent 0 broadcasts, 0 multicast",
                    "     0 output errors, 0 collisions",
                    "     0 late collision, 0 deferred, 0 output discards",
                    "     0 PAUSE output"]
        return "\n".join(out)

    def show_lldp(self) -> str:
        out = ["Last table change time   : 0:10:12 ago", "Number of table inserts  : 2",
               "Number of table deletes  : 0", "Number of table drops    : 0",
               "Number of table age-outs : 0", "",
               "Port          Neighbor Device ID       Neighbor Port ID    TTL",
               "---------- ------------------------ ---------------------- ---"]
        for n in self.state.spec.neighbors:
            out.append(f"{_short(n.local_port):<14}{n.device:<25}{n.port:<23} 120")
        return "\n".join(out)

    def show_inventory(self) -> str:
        s = self.state.spec
        return "\n".join([
            "System information",
            "  Model                    Description",
            "  ------------------------ ----------------------------------------------------",
            f"  {s.model:<25}{len(s.ports)}-port switch", "",
            "  HW Version  Serial Number  Mfg Date   Epoch",
            "  ----------- -------------- ---------- -----",
            f"  11.01       {s.serial:<15}2019-01-01 01.00", ""])

    def show_vlan(self) -> str:
        out = ["VLAN  Name                             Status    Ports",
               "----- -------------------------------- --------- -------------------------------"]
        for vid, name, ports in self.vlans():
            out.append(f"{vid:<6}{name[:32]:<33}{'active':<10}{', '.join(ports)}".rstrip())
        return "\n".join(out)


class FortiOs(Dialect):
    """FortiOS: `config`/`edit`/`set`/`next`/`end`, prompt `name # `; what netmiko's
    fortinet driver asks while preparing a session is answered like FortiOS 7.2 does."""

    platform = "fortinet"

    def __init__(self, state: DeviceState):
        super().__init__(state)
        self.stack: list[configtree.Node] = []

    def prompt(self) -> str:
        name = self.state.spec.name
        if not self.stack:
            return f"{name} # "
        return f"{name} ({self.stack[-1].line.split()[-1].strip(chr(34))}) # "

    def handle(self, line: str) -> str | None:
        stripped = " ".join(line.split())
        if self.stack or stripped.startswith("config "):
            return self.configure(stripped)
        cmd, _, pipe = line.partition(" | ")
        out = self.exec(" ".join(cmd.split()))
        if out is None:
            return None
        return self.filter(out, pipe) if pipe else out

    def exec(self, cmd: str) -> str | None:
        s = self.state.spec
        if cmd == "get system status":
            return "\n".join([
                f"Version: {s.model} v{s.version},build1517,230606 (GA.F)",
                "Virus-DB: 91.02271(2023-04-11 22:18)", f"Serial-Number: {s.serial}",
                "BIOS version: 05000006", "Log hard disk: Available", f"Hostname: {s.name}",
                "Private Encryption: Disable", "Operation Mode: NAT",
                "Current virtual domain: root", "Max number of virtual domains: 10",
                "Virtual domains status: 1 in NAT mode, 0 in TP mode",
                "Virtual domain configuration: disable", "FIPS-CC mode: disable",
                "Current HA mode: standalone", "Branch point: 1517", "Release Version Information: GA",
                f"System time: {time.strftime('%a %b %d %H:%M:%S %Y', time.gmtime())}"])
        if cmd == "get system console":
            return "output              : standard\nlogin              : enable\nfortiexplorer       : enable"
        if cmd in ("show full-configuration system console", "show system console"):
            return "config system console\n    set output standard\nend"
        if cmd in ("show", "show full-configuration", "show running-config"):
            with self.state.lock:
                return "\n".join(self.running_config())
        if cmd == "get system interface physical":
            return "\n".join(f"        ==[{p.name}]\n                mode: static\n                status: "
                             f"{'up' if p.enabled else 'down'}\n                speed: {p.speed_mbps}Mbps (Duplex: full)"
                             for p in s.ports)
        if cmd in ("show version", "show interfaces", "show lldp neighbors"):
            return None
        return None

    def running_config(self) -> list[str]:
        s = self.state.spec
        return [f"#config-version={s.model}-{s.version}-FW-build1517-230606:opmode=0:vdom=0:user=netadmin",
                f"#conf_file_ver={self.state.config_version * 7919 + int(self.state.changed)}",
                "#buildno=1517", "#global_vdom=1",
                *configtree.render_fortios(self.state.tree)]

    def configure(self, line: str) -> str:
        with self.state.lock:
            parent = self.stack[-1] if self.stack else self.state.tree
            if line in ("end", "next", "abort"):
                if self.stack:
                    self.stack.pop()
                return ""
            if line.startswith(("config ", "edit ")):
                node = parent.find(line)
                if node is None:
                    node = parent.child(line)
                    self.state.touch()
                self.stack.append(node)
                return ""
            if line.startswith(("unset ", "delete ")):
                before = len(parent.children)
                configtree.fortios_unset(parent, line)
                if len(parent.children) != before:
                    self.state.touch()
                return ""
            if line.startswith("set "):
                before = configtree.render_fortios(self.state.tree)
                configtree.fortios_set(parent, line)
                if configtree.render_fortios(self.state.tree) != before:
                    self.state.touch()
                return ""
            return "Command fail. Return code -61"


DIALECTS: dict[str, type[Dialect]] = {"cisco_ios": CiscoIos, "cisco_xe": CiscoIos, "arista_eos": AristaEos,
                                      "fortinet": FortiOs}


def dialect_for(platform: str) -> type[Dialect]:
    try:
        return DIALECTS[platform]
    except KeyError:
        raise KeyError(f"the lab cannot serve platform {platform!r}; "
                       f"served: {', '.join(sorted(DIALECTS))}") from None
