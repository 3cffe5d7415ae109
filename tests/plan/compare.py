#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks `ioguard plan` run inside Linux against the shield kernel on the
same QEMU configuration, and against its own replay on the host.

    tests/plan/compare.py NAME SHIELD_LOG LINUX_LOG SAVE_DIR [REPLAY_JSON]

From SHIELD_LOG, the kernel's PLACE lines (boot/selftest.c): the units the
shield drives on QEMU's IOMMU, each PCI function with the unit the table
puts it under and its domain, and the counts of what could not be placed.
From LINUX_LOG, the guest's plan (between PLAN-JSON-BEGIN and
PLAN-JSON-END) and the files of its --save directory (PLAN-FILE lines),
which are written to SAVE_DIR. With REPLAY_JSON (the host's
`ioguard plan --root SAVE_DIR`), that must equal the guest's JSON but for
"timing". Exit status 0 when everything agrees, 1 otherwise.
"""

import json
import os
import re
import sys


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace").replace("\r", "").split("\n")


def shield_placement(path):
    units, devices, summary = [], {}, None
    for line in lines_of(path):
        m = re.match(r"PLACE unit (\d+) ([0-9a-f]+) segment (\d+)$", line)
        if m:
            units.append((int(m.group(1)), int(m.group(2), 16), int(m.group(3))))
        m = re.match(r"PLACE device (\S+) unit (-?\d+) domain (\w+) (\d+)$", line)
        if m:
            devices[m.group(1)] = (int(m.group(2)), m.group(3), int(m.group(4)))
        m = re.match(r"PLACE summary (.*)$", line)
        if m:
            w = m.group(1).split()
            summary = {w[i]: int(w[i + 1]) for i in range(0, len(w), 2)}
    return units, devices, summary


def guest_plan(path, save):
    text = lines_of(path)
    js, status, inside = [], None, False
    files, cur = {}, None
    for line in text:
        # The console may still hold firmware's escape sequences on that line.
        if line.endswith("PLAN-JSON-BEGIN"):
            inside = True
            continue
        if line.startswith("PLAN-JSON-END"):
            inside = False
            status = int(line.split()[1])
            continue
        if inside:
            js.append(line)
            continue
        m = re.match(r"PLAN-FILE (\S+) (\d+)$", line)
        if m:
            cur = m.group(1)
            files[cur] = [int(m.group(2)), bytearray()]
            continue
        if cur and re.fullmatch(r"[0-9a-f]+", line or "x"):
            files[cur][1] += bytes.fromhex(line)
            continue
        cur = None
    for rel, (size, data) in files.items():
        if len(data) != size:
            raise ValueError("%s: %d bytes on the console, %d announced" % (rel, len(data), size))
        p = os.path.join(save, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(bytes(data))
    return json.loads("\n".join(js)), status, len(files)


def main(argv):
    if len(argv) not in (5, 6):
        sys.stderr.write(__doc__)
        return 2
    name, shield_log, linux_log, save = argv[1:5]
    errors = []
    units, devices, summary = shield_placement(shield_log)
    if not units or summary is None:
        print("plan-guest: %s: no PLACE lines in %s" % (name, shield_log))
        return 1
    plan, status, nfiles = guest_plan(linux_log, save)
    if status != plan["exit_status"]:
        errors.append("exit status %s, the JSON says %s" % (status, plan["exit_status"]))
    if plan["verdict"] == "refused":
        errors.append("the plan says the shield would refuse")
    got_units = [(u["index"], int(u["base"], 16), u["segment"]) for u in plan["units"]]
    if got_units != units:
        errors.append("units %s, the shield drives %s" % (got_units, units))
    s = plan["summary"]
    for key, theirs in (("units", "units"), ("device_domains", "domains"),
                        ("unplaced_scopes", "unplaced-scopes"),
                        ("unplaced_rmrrs", "unplaced-rmrrs"),
                        ("unplaced_grants", "unplaced-grants")):
        if s[key] != summary[theirs]:
            errors.append("%s %d, the shield's %s %d" % (key, s[key], theirs, summary[theirs]))
    mine = {d["device"]: (d["unit"], d["domain"], d["did"]) for d in plan["devices"]}
    if set(mine) != set(devices):
        errors.append("PCI functions %s here, %s under the shield"
                      % (sorted(set(mine) - set(devices)), sorted(set(devices) - set(mine))))
    for bdf in sorted(set(mine) & set(devices)):
        if mine[bdf] != devices[bdf]:
            errors.append("%s: unit, domain, DID %s; the shield's %s" % (bdf, mine[bdf], devices[bdf]))
    if len(argv) == 6:
        with open(argv[5]) as f:
            replay = json.load(f)
        a, b = dict(plan), dict(replay)
        a.pop("timing", None)
        b.pop("timing", None)
        if a != b:
            diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
            errors.append("the host's replay of the saved root differs in %s" % diff)
    regs = sorted({u["registers"] for u in plan["units"]})
    if errors:
        print("plan-guest: %s: FAILED" % name)
        for e in errors:
            print("    " + e)
        return 1
    print("plan-guest: %s: %d unit(s), %d device domain(s), %d PCI functions placed as the "
          "shield kernel placed them; registers %s; %d files saved%s"
          % (name, s["units"], s["device_domains"], len(mine), "/".join(regs), nfiles,
             ", replayed on the host to the same JSON" if len(argv) == 6 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
