#!/bin/sh
# `ioguard explain` and `ioguard edit` as a user meets them: exit codes,
# what goes to stdout and what to stderr, refusals that write nothing; then
# tests/edit-xcheck.py: edited tables read back by ACPICA's iasl -d and by
# the tool, over a fixture and every real DMAR.
# usage: tests/cli-edit.sh TOOL FIXTURE_DIR SHARED_TABLES_DIR WORK_DIR [IASL]
set -u
tool=$1 fixtures=$2 shared=$3 work=$4 iasl=${5:-iasl}
mkdir -p "$work"
pass=0 fail=0

# expect WANT_RC STREAM PATTERN -- ARGS...: the exit code, and a fixed string
# in STREAM (out, err, or none: nothing may be printed on stdout).
expect()
{
	want=$1 stream=$2 pattern=$3
	shift 4
	"$tool" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	why=
	if [ "$rc" -ne "$want" ]; then
		why="exited $rc, expected $want"
	elif [ "$stream" = none ] && [ -s "$work/out" ]; then
		why="printed on stdout"
	elif [ "$stream" != none ] && [ -n "$pattern" ] && ! grep -qF -- "$pattern" "$work/$stream"; then
		why="does not print '$pattern' on std$stream"
	fi
	if [ -n "$why" ]; then
		echo "cli-edit: FAIL: ioguard $* $why"
		sed 's/^/    out: /' "$work/out" | head -10
		sed 's/^/    err: /' "$work/err" | head -10
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
}

dmar=$fixtures/dmar-server.aml
ivrs=$fixtures/qemu-q35-ivrs.aml

# explain
expect 0 out "DMAR-RMRR-UNALIGNED              warning" -- explain
expect 0 out "What breaks (what Linux does with it):" -- explain DMAR-RMRR-UNALIGNED
expect 0 out "IVRS-NO-IOAPIC (warning)" -- explain ivrs-no-ioapic
expect 0 out "intremap=no_x2apic_optout" -- explain DMAR-X2APIC-OPT-OUT
expect 2 none "" -- explain DMAR-NO-SUCH-THING
expect 2 err "no lint id DMAR-NO-SUCH-THING" -- explain DMAR-NO-SUCH-THING
expect 2 err "unknown option --bogus" -- explain --bogus
expect 0 out ".SH LINT FINDINGS" -- explain --man
expect 0 out "ioguard explain ID" -- lint "$dmar"

# Every id and severity lint reports on the fixtures and the real tables has
# its explanation, with the same severity.
"$tool" explain >"$work/ids"
ls "$fixtures"/*.aml "$shared"/dmar/* "$shared"/ivrs/* 2>/dev/null >"$work/files"
xargs "$tool" lint --json <"$work/files" >"$work/lint.json" 2>/dev/null
if python3 - "$work/ids" "$work/lint.json" <<'PY'; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
import json, sys
known = {l.split()[0]: l.split()[1] for l in open(sys.argv[1])}
seen, text, at = {}, open(sys.argv[2]).read(), 0
dec = json.JSONDecoder()
while text[at:].strip():  # xargs may have split the files over several runs
    doc, end = dec.raw_decode(text[at:].lstrip())
    at = len(text) - len(text[at:].lstrip()) + end
    for t in doc["tables"]:
        for f in t.get("findings", []):
            seen[f["id"]] = f["severity"]
bad = {i: s for i, s in seen.items() if known.get(i) != s}
if bad:
    print("cli-edit: FAIL: lint ids whose explain entry is missing or has another severity: %s" % bad)
    sys.exit(1)
print("cli-edit: %d lint ids reported on the fixtures and real tables, each explained with its severity" % len(seen))
PY

# edit: usage and refusals; nothing is written when an edit is refused.
expect 0 out "usage: ioguard edit IN -o OUT" -- edit --help
expect 2 err "usage: ioguard edit" -- edit "$dmar"
expect 2 err "unknown option --frobnicate" -- edit "$dmar" -o "$work/x.aml" --frobnicate
expect 2 err "a DMAR edit; the input is an IVRS" -- edit "$ivrs" -o "$work/x.aml" --drop-rmrr all
expect 2 err "an IVRS edit; the input is a DMAR" -- edit "$dmar" -o "$work/x.aml" --drop-ivmd all
expect 2 err "there is no such IVMD" -- edit "$fixtures/ivrs-multi.aml" -o "$work/x.aml" --drop-ivmd 3
expect 0 out "dropped an IVMD (type 22h, 0x9f000000, 0x10000 bytes)" -- edit "$fixtures/ivrs-multi.aml" -o "$work/x.aml" --drop-ivmd 0x9f000000
expect 0 out "IVRS, 344 bytes, valid" -- dump "$work/x.aml"
expect 2 err "No such file" -- edit "$work/missing.aml" -o "$work/x.aml"
expect 2 err "there is no such RMRR" -- edit "$dmar" -o "$work/x.aml" --drop-rmrr 9
expect 2 err "no RMRR matches" -- edit "$dmar" -o "$work/x.aml" --drop-rmrr 0x1000
expect 2 err "RMRR limit is below its base" -- edit "$dmar" -o "$work/x.aml" --add-rmrr 0x2000-0x1fff@00:02.0
expect 2 err "expected BASE-LIMIT@DEV" -- edit "$dmar" -o "$work/x.aml" --add-rmrr 0x2000@00:02.0
expect 2 err "one segment" -- edit "$dmar" -o "$work/x.aml" --add-rmrr 0x1000-0x1fff@00:02.0,1:00:03.0
expect 2 err "select a structure first" -- edit "$dmar" -o "$work/x.aml" --add-scope endpoint:00:02.0
expect 2 err "INCLUDE_PCI_ALL is a DRHD flag" -- edit "$dmar" -o "$work/x.aml" --rmrr 0 --set-include-all
expect 2 err "expected intr-remap" -- edit "$dmar" -o "$work/x.aml" --set-flag bogus
expect 2 err "only the defined DMAR flags can be set" -- edit "$dmar" -o "$work/x.aml" --set-flag reserved
rm -f "$work/x.aml"
# A second INCLUDE_PCI_ALL unit in segment 0 is a lint error the input has not.
expect 2 err "refused: the output has 1 more DMAR-DRHD-INCLUDE-ALL-MULTIPLE" -- edit "$dmar" -o "$work/x.aml" --drhd 0 --set-include-all
if [ -e "$work/x.aml" ]; then
	echo "cli-edit: FAIL: a refused edit wrote its output"
	fail=$((fail + 1))
fi
expect 0 err "warning: the output has 1 more DMAR-DRHD-INCLUDE-ALL-MULTIPLE" -- edit "$dmar" -o "$work/x.aml" --drhd 0 --set-include-all --force
expect 1 out "DMAR-DRHD-INCLUDE-ALL-MULTIPLE" -- lint "$work/x.aml"
# An input with that error: the same error once more (segment 1) is refused too,
# an edit that brings none is not.
expect 2 err "refused: the output has 1 more DMAR-DRHD-INCLUDE-ALL-MULTIPLE" -- edit "$work/x.aml" -o "$work/y.aml" --drhd 2 --set-include-all
expect 0 out "bytes written" -- edit "$work/x.aml" -o "$work/y.aml" --drop-rmrr all
# A wrong checksum: refused, or fixed with --force.
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[9]^=1; open(sys.argv[2],'wb').write(d)" "$dmar" "$work/badsum.aml"
expect 2 err "(--force fixes a checksum)" -- edit "$work/badsum.aml" -o "$work/x.aml"
expect 0 err "checksum was wrong; fixed" -- edit "$work/badsum.aml" -o "$work/fixed.aml" --force
if ! cmp -s "$dmar" "$work/fixed.aml"; then
	echo "cli-edit: FAIL: --force did not restore the fixture's checksum"
	fail=$((fail + 1))
fi
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[9]^=1; open(sys.argv[2],'wb').write(d)" "$ivrs" "$work/badsum-ivrs.aml"
expect 0 err "checksum was wrong; fixed" -- edit "$work/badsum-ivrs.aml" -o "$work/fixed-ivrs.aml" --force
if ! cmp -s "$ivrs" "$work/fixed-ivrs.aml"; then
	echo "cli-edit: FAIL: --force did not restore the IVRS fixture's checksum"
	fail=$((fail + 1))
fi
# Standard output carries the table alone; the account goes to stderr.
expect 0 err "bytes written" -- edit "$dmar" -o - --drop-rmrr 1
"$tool" edit "$dmar" -o "$work/drop1.aml" --drop-rmrr 1 >/dev/null
if ! cmp -s "$work/out" "$work/drop1.aml"; then
	echo "cli-edit: FAIL: edit -o - did not write the table alone to stdout"
	fail=$((fail + 1))
fi
expect 0 out "bytes written" -- edit "$dmar" -o "$work/x.aml" --rmrr 0 --remove-scope 00:1d.0
expect 0 out "[0da] PCI endpoint           bus 00 path 14.0" -- dump "$work/x.aml"

# acpidump text as IN (a file, and standard input) gives the same table as
# the binary; a file with two IOMMU tables is refused, naming both.
fmt="$(dirname "$0")/xcheck/acpidump_fmt.py"
python3 "$fmt" "$dmar" >"$work/one.txt"
python3 "$fmt" "$dmar" "$ivrs" >"$work/two.txt"
expect 0 out "bytes written" -- edit "$work/one.txt" -o "$work/from-text.aml" --drop-rmrr 1
if ! cmp -s "$work/from-text.aml" "$work/drop1.aml"; then
	echo "cli-edit: FAIL: an edit of acpidump text differs from the same edit of the binary"
	fail=$((fail + 1))
fi
if "$tool" edit - -o "$work/from-stdin.aml" --drop-rmrr 1 <"$work/one.txt" >/dev/null 2>&1 &&
	cmp -s "$work/from-stdin.aml" "$work/drop1.aml"; then
	pass=$((pass + 1))
else
	echo "cli-edit: FAIL: edit - (acpidump text on stdin) did not give the binary's edit"
	fail=$((fail + 1))
fi
expect 2 err "holds 2 DMAR and IVRS tables; edit takes one" -- edit "$work/two.txt" -o "$work/x.aml" --drop-rmrr 1

echo "cli-edit: $pass passed, $fail failed"
python3 "$(dirname "$0")/edit-xcheck.py" --tool "$tool" --iasl "$iasl" --fixtures "$fixtures" \
	--shared "$shared" --work "$work/xcheck" || fail=$((fail + 1))
[ "$fail" -eq 0 ]
