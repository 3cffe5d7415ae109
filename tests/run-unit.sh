#!/bin/sh
# Runs each cmocka test binary; fails if any fails. Prints cmocka's own summary
# lines and a total at the end.
set -u
failed=0
for t in "$@"; do
	echo "== $t"
	if ! "$t"; then
		echo "FAILED: $t"
		failed=$((failed + 1))
	fi
done
echo "unit: $# test programs, $failed failed"
[ "$failed" -eq 0 ]
