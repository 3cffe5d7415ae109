#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""`ioguard plan --root` on the three saved machine shapes of mkroot.py.

    tests/plan/roots.py TOOL SHARED_TABLES_DMAR WORKDIR

What each shape must show follows from how mkroot.py built it (which port
is missing, which device sits behind which root port, which RMRR is whose),
not from reading the plan's own output back:

- laptop: the iGPU alone on the unit whose DRHD names 00:02.0, everything
  else on the catch-all; both RMRRs honoured; a VMM region over the iGPU's
  stolen memory refused (exit 2) unless --allow-rmrr-conflict, which gives
  the iGPU a domain of its own; a grant below a root port whose ACS
  firmware left off: a warning.
- desktop: the sub-hierarchy scope of the absent port 20:07.0 reported as
  naming nothing present (exit 1); the functions behind 20:03.0 and
  20:09.0 on the first unit, the rest on the catch-all.
- server: eight units over segments 0 and 1; each segment's devices on that
  segment's units; a grant to the RAID controller behind the ACS-enabled
  root port 40:01.0 isolated, in a domain of its own on the first unit.
- every shape: --save of a run, replayed with --root, gives the same JSON
  (but for "timing"); bad options and a root without tables exit 2.
- the laptop without sys/firmware/memmap: the same RAM from proc/iomem's
  top-level System RAM lines; an iomem of zeros (read without root): exit 2.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def plan(tool, *args):
    r = subprocess.run([tool, "plan"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    out = r.stdout.decode()
    return r.returncode, (json.loads(out) if "--json" in args else out)


def expect(name, ok, what):
    if not ok:
        failures.append("%s: %s" % (name, what))


def unit_index(j, base):
    return [u["index"] for u in j["units"] if int(u["base"], 16) == base][0]


def device(j, bdf):
    return [d for d in j["devices"] if d["device"] == bdf][0]


def check_laptop(tool, root):
    rc, j = plan(tool, "--json", "--root", root)
    expect("laptop", rc == 0 and j["verdict"] == "applies", "exit %d, verdict %s" % (rc, j["verdict"]))
    igpu, rest = unit_index(j, 0xFED90000), unit_index(j, 0xFED91000)
    for d in j["devices"]:
        want = igpu if d["device"] == "0000:00:02.0" else rest
        expect("laptop", d["unit"] == want and d["domain"] == "default",
               "%s on unit %d (%s), want %d" % (d["device"], d["unit"], d["domain"], want))
    res = {int(r["base"], 16): r for r in j["reserved"]}
    expect("laptop", set(res) == {0x3BBFE000, 0x3D800000}, "RMRRs %s" % sorted(res))
    expect("laptop", not any(r["conflicts_with_protected"] for r in res.values()),
           "the default VMM region overlaps an RMRR")
    rc, j = plan(tool, "--json", "--root", root, "--protect", "0x3d000000+0x1000000")
    expect("laptop", rc == 2 and "RMRR overlaps protected" in j["error"]["reason"],
           "VMM region over the iGPU's RMRR: exit %d" % rc)
    rc, j = plan(tool, "--json", "--root", root, "--protect", "0x3d000000+0x1000000",
                 "--allow-rmrr-conflict")
    doms = {d["device"]: d for d in j.get("domains", [])}
    expect("laptop", rc in (0, 1) and "0000:00:02.0" in doms and not doms["0000:00:02.0"]["granted"],
           "--allow-rmrr-conflict: exit %d, domains %s" % (rc, sorted(doms)))
    rc, j = plan(tool, "--json", "--root", root, "--grant", "01:00.0:0x34000000+0x10000")
    g = j["config"]["grants"][0]
    expect("laptop", rc == 1 and g["acs"] == "not isolated" and g["bridges_above"] == 1,
           "grant below 00:1c.0 (ACS off): exit %d, %s" % (rc, g))
    expect("laptop", device(j, "0000:01:00.0")["domain"] == "granted", "the grant has no domain")


def check_desktop(tool, root):
    rc, j = plan(tool, "--json", "--root", root)
    expect("desktop", rc == 1 and j["verdict"] == "warnings", "exit %d" % rc)
    absent = [s for s in j["scopes"] if s["structure"] == "DRHD" and not s["present"]]
    expect("desktop", [(s["type"], s["path"]) for s in absent] == [("PCI sub-hierarchy", "20/07.0")],
           "absent DRHD scopes %s" % absent)
    ioh, rest = unit_index(j, 0xDFFFE000), unit_index(j, 0xFEDC0000)
    behind = {"0000:20:03.0", "0000:20:09.0", "0000:21:00.0", "0000:22:00.0"}
    for d in j["devices"]:
        want = ioh if d["device"] in behind else rest
        expect("desktop", d["unit"] == want, "%s on unit %d, want %d" % (d["device"], d["unit"], want))
    rc, text = plan(tool, "--root", root)
    expect("desktop", "PCI sub-hierarchy 20/07.0: absent" in text, "the text omits the absent port")


def check_server(tool, root):
    rc, j = plan(tool, "--json", "--root", root, "--grant", "0000:41:00.0:0xb8000000+0x10000")
    expect("server", j["verdict"] != "refused", "refused: %s" % j.get("error"))
    segs = sorted({u["segment"] for u in j["units"]})
    expect("server", len(j["units"]) == 8 and segs == [0, 1], "units %d over %s" % (len(j["units"]), segs))
    bases = {0x40: 0xCF000000, 0x41: 0xCF000000, 0x80: 0xC8000000, 0xC0: 0xC4000000}
    for d in j["devices"]:
        seg, bus = int(d["device"][:4], 16), int(d["device"][5:7], 16)
        base = bases.get(bus, 0xDF100000) + (0x100000 if seg else 0)
        u = j["units"][d["unit"]]
        expect("server", int(u["base"], 16) == base and u["segment"] == seg,
               "%s on unit %s, want %#x" % (d["device"], u["base"], base))
    g = j["config"]["grants"][0]
    expect("server", g["acs"] == "isolated" and g["bridges_above"] == 1, "grant %s" % g)
    doms = j["domains"]
    expect("server", len(doms) == 1 and doms[0]["device"] == "0000:41:00.0" and doms[0]["granted"]
           and doms[0]["unit"] == unit_index(j, 0xCF000000), "domains %s" % doms)


def check_replay(tool, name, root, work, extra):
    save = os.path.join(work, name + "-saved")
    shutil.rmtree(save, ignore_errors=True)
    rc1, a = plan(tool, "--json", "--root", root, "--save", save, *extra)
    rc2, b = plan(tool, "--json", "--root", save, *extra)
    a.pop("timing")
    b.pop("timing")
    expect(name, rc1 == rc2 and a == b, "the replay of --save differs (exit %d, %d)" % (rc1, rc2))


def check_iomem(tool, root, work):
    """Without sys/firmware/memmap, /proc/iomem's top-level System RAM; zeros (not root): none."""
    rc, want = plan(tool, "--json", "--root", root)
    copy = os.path.join(work, "laptop-iomem")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy)
    shutil.rmtree(os.path.join(copy, "sys/firmware/memmap"))
    lines = []
    for r in want["input"]["ram"]:
        b, n = int(r["base"], 16), int(r["size"], 16)
        lines.append("%08x-%08x : System RAM" % (b, b + n - 1))
        lines.append("  %08x-%08x : Kernel code" % (b + 0x1000, b + 0x1fff))
    lines.insert(1, "000a0000-000fffff : Reserved")
    os.makedirs(os.path.join(copy, "proc"))
    with open(os.path.join(copy, "proc/iomem"), "w") as f:
        f.write("\n".join(lines) + "\n")
    rc2, got = plan(tool, "--json", "--root", copy)
    expect("iomem", rc2 == rc and got["input"]["memmap_source"] == "proc/iomem"
           and got["input"]["ram"] == want["input"]["ram"], "proc/iomem: %s" % got["input"])
    with open(os.path.join(copy, "proc/iomem"), "w") as f:
        f.write("00000000-00000000 : System RAM\n" * len(want["input"]["ram"]))
    rc3, got = plan(tool, "--json", "--root", copy)
    expect("iomem", rc3 == 2 and "memory map" in got.get("refused", ""),
           "proc/iomem read without root: exit %d" % rc3)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: roots.py TOOL SHARED_TABLES_DMAR WORKDIR\n")
        return 2
    tool, tables, work = argv[1:]
    if not os.path.isdir(tables):
        print("plan: no %s: skipped" % tables)
        return 0
    shutil.rmtree(work, ignore_errors=True)
    roots = os.path.join(work, "roots")
    subprocess.run([sys.executable, os.path.join(HERE, "mkroot.py"), tables, roots], check=True)
    check_laptop(tool, os.path.join(roots, "laptop"))
    check_desktop(tool, os.path.join(roots, "desktop"))
    check_server(tool, os.path.join(roots, "server"))
    check_replay(tool, "laptop", os.path.join(roots, "laptop"), work, [])
    check_replay(tool, "desktop", os.path.join(roots, "desktop"), work, [])
    check_replay(tool, "server", os.path.join(roots, "server"), work,
                 ["--grant", "0000:41:00.0:0xb8000000+0x10000"])
    check_iomem(tool, os.path.join(roots, "laptop"), work)
    rc, _ = plan(tool, "--root", os.path.join(work, "nowhere"))
    expect("usage", rc == 2, "a root without tables: exit %d" % rc)
    rc, _ = plan(tool, "--grant", "zz")
    expect("usage", rc == 2, "a bad --grant: exit %d" % rc)
    if failures:
        for f in failures:
            print("plan: FAIL " + f)
        return 1
    print("plan: laptop, desktop and server roots (real DMARs) placed as built; "
          "--save replays to the same JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
