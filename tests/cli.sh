#!/bin/sh
# The ioguard tool's contract: exit codes (0 clean, 1 findings, 2 unusable
# input or usage), partial decoding of broken tables, --json that parses,
# the fallback to the bundled example.
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
expect 2 "not a DMAR or IVRS table" -- dump "$work/junk.dat"
expect 2 "" -- dump "$work/no-such-file"
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
    assert d['signature'] == 'DMAR' and d['width'] == 38 and d['flags'] == 1, d
    s = d['structures'][0]
    assert s['type'] == 0 and s['address'] == 0xfed90000 and s['offset'] == 48, s
    assert s['scopes'][0]['type'] == 3 and s['scopes'][0]['path'] == [[0, 0]], s
    assert i['signature'] == 'IVRS' and i['blocks'][0]['type'] == 0x10, i
    assert i['blocks'][0]['address'] == 0xfed80000, i
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

# No argument: the machine's tables, or the bundled example with a note.
if [ -r /sys/firmware/acpi/tables/DMAR ] || [ -r /sys/firmware/acpi/tables/IVRS ]; then
	expect 0 "" -- dump
else
	expect 0 "showing the bundled example tables instead" -- dump
fi

echo "cli: $pass checks passed, $fail failed"
[ "$fail" -eq 0 ]
