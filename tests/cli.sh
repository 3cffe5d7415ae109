#!/bin/sh
# The ioguard tool's contract: exit codes (0 clean, 1 findings, 2 unusable
# input or usage), partial decoding of broken tables, --json that parses,
# stdout for the output and stderr for every diagnostic, the live tables
# (absent, unreadable, several), --example, stdin, the decoded names.
# usage: tests/cli.sh TOOL FIXTURE_DIR SHARED_TABLES_DIR WORK_DIR
set -u
tool=$1 fixtures=$2 shared=$3 work=$4
mkdir -p "$work"
pass=0 fail=0

# expect WANT_RC PATTERN -- ARGS...: the exit code, and a fixed string in stdout+stderr.
expect()
{
	want=$1 pattern=$2
	shift 3
	"$tool" "$@" >"$work/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "cli: FAIL: ioguard $* exited $rc, expected $want"
		sed 's/^/    /' "$work/out" | head -20
		fail=$((fail + 1))
	elif [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$work/out"; then
		echo "cli: FAIL: ioguard $* does not print '$pattern'"
		sed 's/^/    /' "$work/out" | head -20
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# expect_split WANT_RC STDOUT_PATTERN STDERR_PATTERN -- ARGS...: the exit code, a
# fixed string in stdout and one in stderr; "-" as STDOUT_PATTERN: stdout empty.
# STDIN: a file to feed on standard input (default: none).
expect_split()
{
	want=$1 opat=$2 epat=$3
	shift 4
	"$tool" "$@" <"${STDIN:-/dev/null}" >"$work/stdout" 2>"$work/stderr"
	rc=$?
	why=""
	if [ "$rc" -ne "$want" ]; then
		why="exited $rc, expected $want"
	elif [ "$opat" = "-" ] && [ -s "$work/stdout" ]; then
		why="printed to stdout"
	elif [ "$opat" != "-" ] && [ -n "$opat" ] && ! grep -qF -- "$opat" "$work/stdout"; then
		why="does not print '$opat' on stdout"
	elif [ -n "$epat" ] && ! grep -qF -- "$epat" "$work/stderr"; then
		why="does not print '$epat' on stderr"
	fi
	if [ -n "$why" ]; then
		echo "cli: FAIL: ioguard $* $why"
		sed 's/^/    out: /' "$work/stdout" | head -10
		sed 's/^/    err: /' "$work/stderr" | head -10
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

# json_check FILE PYTHON-EXPR...: asserts on the JSON document `doc` in FILE.
json_check()
{
	f=$1
	shift
	if python3 - "$f" "$@" <<'PY'; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
import json, sys
doc = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    if not eval(expr):
        print("cli: FAIL: JSON check %s on %s" % (expr, json.dumps(doc)[:400]))
        sys.exit(1)
PY
}

dmar=$fixtures/qemu-q35-dmar.aml
ivrs=$fixtures/qemu-q35-ivrs.aml

# Clean input.
expect 0 "DMAR, 104 bytes, valid" -- dump "$dmar"
expect 0 "Register Base Address    : 0x00000000fed90000" -- dump "$dmar"
expect 0 "IVRS, 100 bytes, valid" -- dump "$ivrs"
expect 0 "48h Special device" -- dump "$ivrs"
expect 0 "0 error(s), 0 warning(s), 0 info" -- lint "$dmar"
expect 0 "IVRS-SELF-TRANSLATED" -- lint "$ivrs"   # an info finding does not fail lint
expect 0 "usage: ioguard dump" -- --help
expect 0 "ioguard 0.2.0" -- --version

# Broken tables: a flipped checksum byte, a cut-off copy, a table whose length
# field is shorter than its first structure, a file that is no table.
python3 - "$dmar" "$work" <<'PY'
import sys
src, work = sys.argv[1], sys.argv[2]
d = bytearray(open(src, 'rb').read())
bad = bytearray(d); bad[9] ^= 0x01
open(work + '/badsum.dat', 'wb').write(bad)
open(work + '/cut.dat', 'wb').write(d[:80])
short = bytearray(d); short[4] = 0x3c; short[5:8] = b'\0\0\0'
short[9] = 0; short[9] = (-sum(short[:0x3c])) & 0xff
open(work + '/short.dat', 'wb').write(short[:0x3c])
open(work + '/junk.dat', 'wb').write(b'NOT A TABLE' * 8)
PY
expect 2 "ERROR at offset 0x9: checksum" -- dump "$work/badsum.dat"
expect 2 "[060] PCI endpoint" -- dump "$work/badsum.dat"       # still decoded
expect 2 "DMAR-CHECKSUM" -- lint "$work/badsum.dat"
expect 2 "(MORE than the data)" -- dump "$work/cut.dat"
expect 2 "DMAR-MALFORMED" -- lint "$work/cut.dat"
expect 2 "ERROR at offset 0x32" -- dump "$work/short.dat"
expect 2 "not an ACPI table" -- dump "$work/junk.dat"
expect_split 2 - "No such file or directory" -- dump "$work/no-such-file"
expect_split 2 - "Is a directory" -- lint "$work"
python3 -c "import sys; t = bytearray(b'FACP' + bytes(60)); t[4] = 64; sys.stdout.buffer.write(t)" >"$work/facp.dat"
expect_split 2 - "an ACPI FACP table, not a DMAR or IVRS" -- dump "$work/facp.dat"
# Every input error has its own id in JSON, and its sentence on stderr only.
expect_split 2 '"id": "no-such-file"' "ioguard: $work/no-such-file: No such file" -- dump --json "$work/no-such-file"
json_check "$work/stdout" "doc['schema'] == 2" "doc['tables'][0]['file'].endswith('no-such-file')"
expect_split 2 '"id": "not-an-acpi-table"' "" -- lint --json "$work/junk.dat"
expect_split 2 '"id": "not-dmar-or-ivrs"' "" -- dump --json "$work/facp.dat"
expect_split 2 '"id": "bad-checksum"' "DMAR not usable: checksum" -- dump --json "$work/badsum.dat"
expect_split 2 '"id": "is-a-directory"' "" -- dump --json "$work"
expect 2 "usage:" -- dump --example "$dmar"
expect 2 "usage:" -- dump --tables
expect 2 "usage:" -- frobnicate
expect 2 "usage:" -- dump --no-such-option
# One bad file among good ones: the good ones are still printed, the exit is 2.
expect 2 "IVRS, 100 bytes, valid" -- dump "$work/badsum.dat" "$ivrs"

# JSON: parses, has the fixed field names, carries the error.
for args in "dump --json $dmar $ivrs" "lint --json $dmar $ivrs" "dump --json $work/badsum.dat"; do
	# shellcheck disable=SC2086
	"$tool" $args >"$work/json" 2>/dev/null
	if python3 - "$work/json" "$args" <<'PY'; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
import json, sys
doc = json.load(open(sys.argv[1]))
args = sys.argv[2]
t = doc['tables']
assert t, 'no tables'
if args.startswith('lint'):
    for x in t:
        for f in x['findings']:
            assert {'id', 'severity', 'offset', 'message', 'values', 'value_names'} <= f.keys(), f
elif 'badsum' in args:
    e = t[0]['error']
    assert e['offset'] == 9 and e['code'] < 0 and t[0]['checksum_ok'] is False, e
else:
    d, i = t
    assert doc['schema'] == 2, doc.keys()
    assert d['signature'] == 'DMAR' and d['width'] == 38 and d['flags'] == 1, d
    assert d['flag_names'] == ['INTR_REMAP'] and d['summary']['drhd'] == 1, d
    assert d['summary']['host_address_width'] == 39, d
    s = d['structures'][0]
    # 64-bit fields are hex strings (docs/json.md), 32-bit and smaller are numbers.
    assert s['type'] == 0 and s['address'] == '0xfed90000' and s['offset'] == 48, s
    assert s['scopes'][0]['type'] == 3 and s['scopes'][0]['path'] == [[0, 0]], s
    assert i['signature'] == 'IVRS' and i['blocks'][0]['type'] == 0x10, i
    assert i['blocks'][0]['address'] == '0xfed80000', i
    assert i['blocks'][0]['flag_names'] == ['HtTunEn', 'IotlbSup', 'PreFSup', 'PPRSup'], i
    assert i['summary'] == {'ivhd_10': 1, 'ivhd_11': 0, 'ivhd_40': 0, 'ivmd': 0, 'unknown': 0,
                            'va_size': 0, 'pa_size': 40, 'efr_sup': False}, i['summary']
PY
done

# A real table with known findings, when the collection is there.
x79=$shared/dmar/dmar-10f53bfe43b0.dat
if [ -f "$x79" ]; then
	expect 1 "DMAR-SCOPE-ENUM-DUPLICATE" -- lint "$x79"
	n=$(grep -c DMAR-SCOPE-ENUM-DUPLICATE "$work/out")
	if [ "$n" -eq 7 ]; then pass=$((pass + 1)); else
		echo "cli: FAIL: expected 7 DMAR-SCOPE-ENUM-DUPLICATE on $x79, got $n"
		fail=$((fail + 1))
	fi
fi

# Decoded names in the text dump (real tables, when the collection is there).
sidp=$shared/dmar/dmar-33e7a6356962.dat andd=$shared/dmar/dmar-237ee27dd99f.dat
zen=$shared/ivrs/ivrs-0482ca5f13f5.dat ivmd=$shared/ivrs/ivrs-435947a84e0e.dat
if [ -f "$sidp" ] && [ -f "$andd" ] && [ -f "$zen" ] && [ -f "$ivmd" ]; then
	expect 0 "flags REQ_WO_PASID_PGSNP_NOTALLOWED|ATC_HARDENED|ATC_REQUIRED" -- dump "$sidp"
	expect 0 "DMAR: 2 DRHD, 0 RMRR, 0 ATSR, 0 RHSA, 0 ANDD, 1 SATC, 1 SIDP; HAW 42; flags INTR_REMAP|DMA_CTRL_PLATFORM_OPT_IN" -- dump "$sidp"
	expect 0 'Device Name              : "\_SB.PCI0.I2C0"' -- dump "$andd"
	expect 0 "Flags                    : 0xb0  (IotlbSup|Coherent|PPRSup)" -- dump "$zen"
	expect 0 "data 0xd7 (INITPass|EIntPass|NMIPass|SysMgt=1|Lint0Pass|Lint1Pass)  IOAPIC handle 7" -- dump "$zen"
	expect 0 "(PPRSup|XTSup|NXSup|GTSup|IASup|GASup|PCSup|HATS=2|GLXSup=1|SmiFSup=1|SmiFRC=2|GAMSup=1|" -- dump "$zen"
	expect 0 "IVRS: 2 IVHD (1 of type 10h, 1 11h, 0 40h), 0 IVMD; VA 64 bits, PA 48 bits; EFRSup" -- dump "$zen"
	expect 0 "Flags                    : 0x08  (ExclusionRange)" -- dump "$ivmd"
	"$tool" dump --json "$zen" "$sidp" >"$work/names.json"
	json_check "$work/names.json" \
		"doc['tables'][0]['blocks'][1]['efr'] == '0x58f77ef22294ade'" \
		"doc['tables'][0]['blocks'][1]['efr_names'][:3] == ['PPRSup', 'XTSup', 'NXSup']" \
		"'HATS=2' in doc['tables'][0]['blocks'][1]['efr_names']" \
		"doc['tables'][0]['blocks'][0]['entries'][6]['data_names'] == ['INITPass', 'EIntPass', 'NMIPass', 'SysMgt=1', 'Lint0Pass', 'Lint1Pass']" \
		"[s['flag_names'] for s in doc['tables'][1]['structures'][3]['scopes']] == [['REQ_WO_PASID_NESTED_NOTALLOWED', 'REQ_WO_PASID_PWSNP_NOTALLOWED', 'REQ_WO_PASID_PGSNP_NOTALLOWED', 'ATC_HARDENED', 'ATC_REQUIRED'], ['REQ_WO_PASID_PGSNP_NOTALLOWED', 'ATC_HARDENED', 'ATC_REQUIRED']]"
fi

# Standard input: a binary table, and acpidump text.
STDIN=$dmar expect_split 0 "<stdin>: DMAR, 104 bytes, valid" "" -- dump -
python3 "$(dirname "$0")/xcheck/acpidump_fmt.py" "$ivrs" "$dmar" >"$work/acpidump.txt"
STDIN=$work/acpidump.txt expect_split 0 "<stdin>: IVRS @ 0x000000007b6f2000, line 1: IVRS, 100 bytes, valid" "" -- dump -
expect_split 0 "acpidump.txt: DMAR @ 0x000000007b6f3000, line 10: DMAR, 104 bytes" "" -- lint "$work/acpidump.txt"

# What ACPICA's acpidump prints on this machine (as root), with the fixtures' text after it.
if [ "$(id -u)" -eq 0 ] && command -v acpidump >/dev/null && acpidump >"$work/machine.txt" 2>/dev/null &&
	[ -s "$work/machine.txt" ]; then
	n=$(grep -c ' @ 0x' "$work/machine.txt")
	if grep -q '^DMAR @\|^IVRS @' "$work/machine.txt"; then
		expect 0 " bytes, valid" -- dump "$work/machine.txt"
	else
		expect_split 2 - "acpidump text with $n tables, none of them a DMAR or IVRS" -- dump "$work/machine.txt"
	fi
	cat "$work/machine.txt" "$work/acpidump.txt" >"$work/machine-plus.txt"
	expect_split 0 "machine-plus.txt: DMAR @ 0x000000007b6f3000" "skipped (not a DMAR or IVRS)" -- dump "$work/machine-plus.txt"
fi

# --example: the bundled tables, only when asked for.
expect_split 0 "qemu-q35-dmar.aml: DMAR, 104 bytes, valid" "" -- dump --example
expect_split 0 "qemu-q35-ivrs.aml: IVRS, 100 bytes" "" -- lint --example

# The live tables, from a directory the test controls: none, several, unreadable.
live=$work/live
rm -rf "$live" && mkdir -p "$live/none" "$live/two" "$live/dir/DMAR"
expect_split 2 - "$live/none: no DMAR or IVRS table: the firmware reports no IOMMU" -- dump --tables "$live/none"
expect_split 2 '"id": "no-iommu-table"' "--example" -- lint --json --tables "$live/none"
expect_split 2 - "No such file or directory (no ACPI tables exported here" -- dump --tables "$live/absent"
expect_split 2 '"id": "no-acpi-tables"' "" -- dump --json --tables="$live/absent"
expect_split 2 - "$live/dir/DMAR: Is a directory" -- dump --tables "$live/dir"
cp "$dmar" "$live/two/DMAR1"
cp "$dmar" "$live/two/DMAR2"
cp "$ivrs" "$live/two/IVRS"
echo "not a table" >"$live/two/DSDT"
expect_split 0 "$live/two/DMAR2: DMAR, 104 bytes, valid" "" -- dump --tables "$live/two"
"$tool" dump --json --tables "$live/two" >"$work/live.json" 2>/dev/null
json_check "$work/live.json" "[t['file'].rsplit('/', 1)[1] for t in doc['tables']] == ['DMAR1', 'DMAR2', 'IVRS']"
# Unreadable: root reads a mode-000 file anyway, so as root the tool runs as nobody.
cp "$dmar" "$live/two/DMAR3"
chmod 000 "$live/two/DMAR3"
chmod 755 "$work" "$live" "$live/two"
if [ "$(id -u)" -ne 0 ]; then
	expect_split 2 "" "DMAR3: Permission denied (reading ACPI tables usually needs root)" -- dump --tables "$live/two"
elif command -v setpriv >/dev/null; then
	tool_as_root=$tool
	nobody()
	{
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$tool_as_root" "$@"
	}
	tool=nobody
	expect_split 2 "$live/two/DMAR1: DMAR, 104 bytes, valid" "DMAR3: Permission denied (reading ACPI tables usually needs root)" -- dump --tables "$live/two"
	expect_split 2 '"id": "permission-denied"' "" -- lint --json --tables "$live/two"
	# The machine's own tables as a user: unreadable when there are any, absent otherwise.
	if ls /sys/firmware/acpi/tables/DMAR* /sys/firmware/acpi/tables/IVRS* >/dev/null 2>&1; then
		expect_split 2 "" "Permission denied (reading ACPI tables usually needs root)" -- dump
	else
		expect_split 2 - "no DMAR or IVRS table" -- dump
	fi
	tool=$tool_as_root
else
	echo "cli: setpriv missing: the unreadable-table check needs it when run as root"
	fail=$((fail + 1))
fi
chmod 644 "$live/two/DMAR3"

# No argument: the machine's tables; never the bundled ones.
if [ -r /sys/firmware/acpi/tables/DMAR ] || [ -r /sys/firmware/acpi/tables/IVRS ]; then
	expect 0 "" -- dump
else
	expect_split 2 - "no DMAR or IVRS table" -- dump
	expect_split 2 '"tables": [' "no DMAR or IVRS table" -- lint --json
fi

echo "cli: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
