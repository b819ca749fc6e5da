# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""bpftcp netns-tests/compare: analysis of congestion control comparison runs."""
