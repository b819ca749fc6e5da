#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# find-python.sh [MODULE...]: prints the path of a Python 3 interpreter that
# can import every MODULE, trying $PYTHON, then Debian's /usr/bin/python3
# (where apt installs python3-matplotlib), then python3 from PATH (which
# may be a pyenv or venv interpreter without Debian's packages).
# Exits 1, with a hint on stderr, when none can.
set -u
mods=("$@")
code="import sys"
for m in "${mods[@]}"; do code+="; import $m"; done
for py in ${PYTHON:-} /usr/bin/python3 python3; do
	command -v "$py" >/dev/null 2>&1 || continue
	if "$py" -c "$code" >/dev/null 2>&1; then
		command -v "$py"
		exit 0
	fi
done
echo "error: no python3 can import ${mods[*]:-anything} (run scripts/install-deps.sh, or set PYTHON=)" >&2
exit 1
