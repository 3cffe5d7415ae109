#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Runs the libFuzzer targets with the fixtures and real tables as seed corpus.
#   run.sh short RUNS BUILD SHARED_TABLES BIN...   fixed number of runs each (make test;
#                                                  fuzz_shield: $FUZZ_SHIELD_RUNS when set)
#   run.sh long SECONDS BUILD SHARED_TABLES BIN... wall-clock budget each (make fuzz)
# Any crash, leak, sanitizer report or hang fails the run.
set -eu
mode=$1 budget=$2 build=$3 shared=$4
shift 4
total=0
for bin in "$@"; do
	name=$(basename "$bin")
	corpus=$build/fuzz/$mode-corpus-$name
	rm -rf "$corpus"
	mkdir -p "$corpus"
	case $name in
	fuzz_shield)
		# The DMARs; for the long run the IVRSs too (an AMD machine costs more per run).
		for f in "$build"/tables/*.aml "$shared"/dmar/*.dat "$shared"/ivrs/*.dat; do
			[ -f "$f" ] || continue
			head -c 4 "$f" | grep -q DMAR && cp "$f" "$corpus/"
			[ "$mode" = long ] && head -c 4 "$f" | grep -q IVRS && cp "$f" "$corpus/"
			true
		done ;;
	fuzz_dmar | fuzz_dmar_edit)
		for f in "$build"/tables/*.aml "$shared"/dmar/*.dat; do
			[ -f "$f" ] && head -c 4 "$f" | grep -q DMAR && cp "$f" "$corpus/" || true
		done ;;
	fuzz_ivrs)
		for f in "$build"/tables/*.aml "$shared"/ivrs/*.dat; do
			[ -f "$f" ] && head -c 4 "$f" | grep -q IVRS && cp "$f" "$corpus/" || true
		done ;;
	fuzz_acpi)
		python3 tests/fuzz/mkseed_acpi.py "$corpus" "$build"/tables/qemu-q35-dmar.aml ;;
	fuzz_acpidump)
		# acpidump text of the fixtures, alone and together, in each variant.
		i=0
		for v in "" --crlf --no-ascii --lower; do
			for f in "$build"/tables/qemu-q35-dmar.aml "$build"/tables/qemu-q35-ivrs.aml; do
				i=$((i + 1))
				python3 tests/xcheck/acpidump_fmt.py $v "$f" >"$corpus/seed$i.txt"
			done
		done
		python3 tests/xcheck/acpidump_fmt.py "$build"/tables/*.aml >"$corpus/all.txt" ;;
	esac
	if [ "$mode" = short ] && [ "$name" = fuzz_shield ]; then
		# The whole shield per execution: fewer runs (FUZZ_SHIELD_RUNS).
		limit="-runs=${FUZZ_SHIELD_RUNS:-$budget} -seed=1"
	elif [ "$mode" = short ]; then
		limit="-runs=$budget -seed=1"
	else
		limit="-max_total_time=$budget"
	fi
	log=$build/fuzz/$mode-$name.log
	# shellcheck disable=SC2086
	if ! "$bin" $limit -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-artifact_prefix="$build/fuzz/$name-" "$corpus" > "$log" 2>&1; then
		tail -40 "$log"
		echo "fuzz: $name FAILED (artifacts under $build/fuzz/)"
		exit 1
	fi
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
	echo "fuzz: $name $runs executions, no finding ($(ls "$corpus" | wc -l) corpus files)"
	total=$((total + ${runs:-0}))
done
echo "fuzz: $total executions in all, no finding"
