# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""sample_ss.py INTERVAL_S OUTFILE [SS FILTER...]

Runs `ss -tinoH state established FILTER` every INTERVAL_S seconds on a fixed
schedule (no drift: a late sample does not delay the next ones) until
SIGTERM or SIGINT, writing each sample as a line 'T <epoch seconds>' (the
midpoint of the ss call) followed by ss's output.  Started inside the
client namespace, so it sees the senders' sockets.
"""

import signal
import subprocess
import sys
import time

stop = False


def _stop(signum, frame):
    global stop
    stop = True


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    interval = float(argv[1])
    # -o (timers): iproute2 6.15's ss prints the TCP option flags (ts sack
    # ecn ...) only with -o or -e; older ones print them anyway.
    cmd = ["ss", "-tinoH", "state", "established"] + argv[3:]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with open(argv[2], "w") as out:
        next_t = time.monotonic()
        while not stop:
            before = time.time()
            res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
            after = time.time()
            out.write("T %.6f\n" % ((before + after) / 2))
            out.write(res.stdout)
            next_t += interval
            delay = next_t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                # Fell behind (busy machine): skip the missed ticks rather
                # than sampling back to back.
                next_t = time.monotonic()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
