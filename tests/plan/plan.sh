#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# `ioguard plan` on saved roots: tests/plan/roots.py.
# usage: tests/plan/plan.sh TOOL SHARED_TABLES_DMAR WORKDIR
set -u
exec python3 "$(dirname "$0")/roots.py" "$@"
