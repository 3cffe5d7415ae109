#!/bin/sh
# The lint ids the code can emit and the ids ioguard(1) documents must be the
# same set, the README must not keep a placeholder, and the CHANGELOG must
# start at the version the code reports.
set -eu
fail=0
for kind in DMAR IVRS; do
	grep -ho "\"$kind-[A-Z0-9-]*\"" src/lint/*.c | tr -d '"' | sort -u >"$1/ids-code"
	grep -o "$kind-[A-Z0-9-]*[A-Z0-9]" docs/ioguard.1 | sort -u >"$1/ids-man"
	if ! diff -u "$1/ids-code" "$1/ids-man" >"$1/ids-diff"; then
		echo "docs-check: $kind lint ids in src/lint (-) and docs/ioguard.1 (+) differ:"
		cat "$1/ids-diff"
		fail=1
	fi
	n=$(wc -l <"$1/ids-code")
	echo "docs-check: $n $kind lint ids, all documented in ioguard(1)"
done
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
