#!/bin/sh
# The lint ids the code can emit and the ids ioguard(1) documents must be the
# same set, and the README must not keep a placeholder.
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
exit $fail
