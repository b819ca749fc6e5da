# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""Turns one run directory's raw files into its outputs: the Flent data
file, the PNG plots and run-summary.json.  Returns the run's summary for
the comparison-wide summary.json."""

import json
import os

from . import flentfile, rawdata, summary


def analyze_run(rundir, plots=True):
    raw = rawdata.load_run(rundir)
    run = summary.summarize_run(raw)
    series = summary.flow_series(raw)

    flent_name = "%s-%s.flent.gz" % (flentfile.FLENT_TEST, raw["plan"]["name"])
    flentfile.write(flentfile.build(raw, run, series), os.path.join(rundir, flent_name))
    files = [flent_name]
    if plots:
        from . import plots as plotmod	# matplotlib only when plotting
        files += [os.path.basename(p) for p in plotmod.all_plots(raw, run, series, rundir)]
    run["dir"] = os.path.basename(os.path.normpath(rundir))
    run["files"] = [os.path.join(run["dir"], f) for f in files]
    with open(os.path.join(rundir, "run-summary.json"), "w") as f:
        json.dump(run, f, indent=2)
        f.write("\n")
    return run
