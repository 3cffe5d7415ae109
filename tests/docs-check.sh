#!/bin/sh
# The lint ids the code can emit and the ids ioguard(1) documents must be the
# same set; every id has an `ioguard explain` entry with the severity the code
# gives it; the man page's LINT FINDINGS section is what `ioguard explain
# --man` prints (regenerate it with `make man`); the README must not keep a
# placeholder; the CHANGELOG must start at the version the code reports.
# usage: tests/docs-check.sh WORK_DIR TOOL
set -eu
work=$1 tool=$2
fail=0
"$tool" explain | awk '{ print $1, $2 }' | sort >"$work/ids-explain"
grep -ho '"\(DMAR\|IVRS\)-[A-Z0-9-]*", IOG_SEV_[A-Z]*' src/lint/*.c |
	sed 's/"\([^"]*\)", IOG_SEV_\(.*\)/\1 \2/' | tr 'A-Z' 'a-z' |
	awk '{ print toupper($1), $2 }' | sort -u >"$work/ids-severity"
for kind in DMAR IVRS; do
	grep -ho "\"$kind-[A-Z0-9-]*\"" src/lint/*.c | tr -d '"' | sort -u >"$work/ids-code"
	grep -o "$kind-[A-Z0-9-]*[A-Z0-9]" docs/ioguard.1 | sort -u >"$work/ids-man"
	if ! diff -u "$work/ids-code" "$work/ids-man" >"$work/ids-diff"; then
		echo "docs-check: $kind lint ids in src/lint (-) and docs/ioguard.1 (+) differ:"
		cat "$work/ids-diff"
		fail=1
	fi
	n=$(wc -l <"$work/ids-code")
	echo "docs-check: $n $kind lint ids, all documented in ioguard(1)"
done
if ! diff -u "$work/ids-severity" "$work/ids-explain" >"$work/ids-diff"; then
	echo "docs-check: lint ids and severities in src/lint (-) and ioguard explain (+) differ:"
	cat "$work/ids-diff"
	fail=1
else
	echo "docs-check: $(wc -l <"$work/ids-explain") lint ids explained by ioguard explain, severities as the code emits them"
fi
sed -n '/^\.\\" BEGIN LINT FINDINGS/,/^\.\\" END LINT FINDINGS/p' docs/ioguard.1 | sed '1d;$d' >"$work/man-findings"
"$tool" explain --man >"$work/explain-man"
if ! diff -u "$work/man-findings" "$work/explain-man" >"$work/man-diff"; then
	echo "docs-check: docs/ioguard.1 LINT FINDINGS (-) is not what ioguard explain --man (+) prints; run make man:"
	head -40 "$work/man-diff"
	fail=1
else
	echo "docs-check: ioguard(1) LINT FINDINGS is ioguard explain --man ($(wc -l <"$work/man-findings") lines)"
fi
if grep -n '@[A-Z_]*@' README.md docs/ioguard.1 docs/json.md; then
	echo "docs-check: placeholder left in the docs"
	fail=1
fi
# The CHANGELOG's newest entry is the version the code says it is.
version=$(sed -n 's/^#define IOG_VERSION "\(.*\)"/\1/p' include/ioguard/ioguard.h)
top=$(sed -n 's/^## \([0-9][0-9.]*\) .*/\1/p' CHANGELOG.md | head -1)
if [ "$top" != "$version" ]; then
	echo "docs-check: CHANGELOG.md's newest version is '$top', IOG_VERSION is '$version'"
	fail=1
else
	echo "docs-check: CHANGELOG.md starts at $version, the version the code reports"
fi
exit $fail
