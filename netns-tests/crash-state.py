# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
"""What bpftcp has on the host, for netns-tests/test-crash.sh (one process
per look: this is called after every trial, and a process start is slow).

    crash-state.py snapshot        pins, kernel view, run directory (text)
    crash-state.py units           the pins, one object a line
    crash-state.py debris          pins a killed command left without a link
    crash-state.py baseline        the struct_ops maps and links there are
                                   now (set BASELINE to the file of them)
    crash-state.py problems FULL   what makes the state inconsistent, one a
                                   line (nothing if it is consistent); FULL is
                                   a file of `units` from a complete run

From the environment: PIN_ROOT (<bpffs>/bpftcp), BPFTCP_RUNDIR, CGROUP and
CGID (the test's cgroup and its id), SHIPPED (the algorithms bpftcp ships,
kernel names), BPFTCP_REAL (the bpftcp binary), HOST_DEFAULT.
"""
import json
import os
import subprocess
import sys

ENV = os.environ
ROOT = ENV["PIN_ROOT"]
SHIPPED = set(ENV["SHIPPED"].split())
CGID = int(ENV["CGID"])


def bpftool(*args):
    # bpftool exits 255 on a struct_ops link (no program of its own) but
    # prints it: the JSON is what counts.
    r = subprocess.run(["bpftool", "-j", *args], capture_output=True, text=True)
    try:
        return json.loads(r.stdout or "[]")
    except ValueError:
        return []


def baseline():
    """The struct_ops map and link ids of $BASELINE (see Kernel)."""
    base = {"map": set(), "link": set()}
    path = ENV.get("BASELINE")
    if path and os.path.exists(path):
        for line in open(path):
            w = line.split()
            if len(w) == 2 and w[0] in base:
                base[w[0]].add(int(w[1]))
    return base


def sysctl(name):
    with open("/proc/sys/net/ipv4/" + name) as f:
        return f.read().split()


def units():
    """{object: [files]}; "top" for the files at the pin root.  An object's
    directory is cc/K, opt/O/ID or sockets/cg-ID; its parents group them."""
    out = {}
    if not os.path.isdir(ROOT):
        return out
    top = sorted(f for f in os.listdir(ROOT) if not os.path.isdir(os.path.join(ROOT, f)))
    if top:
        out["top"] = top
    for d, subdirs, files in sorted(os.walk(ROOT)):
        rel = os.path.relpath(d, ROOT)
        if rel == ".":
            continue
        depth = rel.count("/") + 1
        leaf = (rel.startswith("cc/") and depth == 2) or (rel.startswith("opt/") and depth == 3) \
            or (rel.startswith("sockets/") and depth == 2)
        if leaf or files:
            out[rel] = sorted(files) + (["+dirs:" + ",".join(sorted(subdirs))] if subdirs else [])
    return out


def units_text(u):
    return "".join("%s %s\n" % (k, " ".join(v)) for k, v in sorted(u.items()))


class Kernel:
    def __init__(self):
        self.available = sorted(a for a in sysctl("tcp_available_congestion_control")
                                if a.startswith("bpf_"))
        self.default = sysctl("tcp_congestion_control")[0]
        self.allowed = sorted(sysctl("tcp_allowed_congestion_control"))
        self.cgroup = sorted(p["name"] for p in bpftool("cgroup", "show", ENV["CGROUP"]))
        # The algorithm's name is the one in the map's value (the map's
        # own name is the object's variable).  What was there before the
        # test (BASELINE: "map ID", "link ID" lines) is someone else's.
        base = baseline()
        self.map_names = {}
        for m in bpftool("struct_ops", "dump"):
            info = m.get("bpf_map_info")
            if info:
                mid = info["id"]
            elif mid not in base["map"]:
                ops = m.get("bpf_struct_ops_tcp_congestion_ops", {})
                self.map_names[mid] = ops.get("data", {}).get("name")
        self.struct_ops = sorted(n for n in self.map_names.values() if n in SHIPPED)
        # -f: each link with the bpffs paths it is pinned at.
        self.links = [l for l in bpftool("-f", "link", "list") if l["id"] not in base["link"]]

    def text(self):
        return ("available %s\ndefault %s\nallowed %s\ncgroup %s\nstruct_ops %s\n" %
                (" ".join(self.available), self.default, " ".join(self.allowed),
                 " ".join(self.cgroup), " ".join(self.struct_ops)))


def rundir_text():
    d = ENV["BPFTCP_RUNDIR"]
    files = sorted(os.listdir(d)) if os.path.isdir(d) else []
    return "".join("rundir %s\n" % f for f in files if f != "lock")


def pinned_links():
    return set(rel for rel, files in units().items() if "link" in files)


def debris():
    """Pins a killed command left that no link holds together."""
    u = units()
    out = ["%s: %s" % (k, " ".join(v) or "(empty directory)") for k, v in sorted(u.items())
           if k != "top" and "link" not in v]
    if "top" in u and not any("link" in v for k, v in u.items() if k != "top"):
        out.append("top: %s with no object using it" % " ".join(u["top"]))
    return out


def readers(linked):
    """What bpftcp's listings show: only objects whose link is pinned."""
    out = []
    bpftcp = ENV["BPFTCP_REAL"]
    for cmd in (["cc", "list"], ["opt", "show"]):
        r = subprocess.run([bpftcp, "-j", *cmd], capture_output=True, text=True)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            out.append("bpftcp %s printed no JSON (exit %d): %s" % (" ".join(cmd), r.returncode,
                                                                    r.stderr.strip()[:200]))
            continue
        if r.returncode:
            out.append("bpftcp %s exited %d: %s" % (" ".join(cmd), r.returncode, doc))
        for a in doc.get("algorithms", []):
            if a.get("shipped") and a.get("pinned") != ("cc/" + a["name"] in linked):
                out.append("bpftcp cc list: %s pinned=%s" % (a["name"], a.get("pinned")))
        for a in doc.get("attachments", []):
            if not a.get("attached"):
                out.append("bpftcp opt show lists %s on %s, not attached" % (a.get("option"), a.get("cgroup")))
    return out


def problems(full_file):
    full = {}
    for line in open(full_file):
        w = line.split()
        if w:
            full[w[0]] = w[1:]
    u = units()
    k = Kernel()
    out = []
    # No bpftcp process of this build is left (nor, with it, its fds).
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/exe" % pid) == ENV["BPFTCP_REAL"]:
                out.append("bpftcp process %s still runs" % pid)
        except OSError:
            pass
    # An object whose link is pinned is whole.  Pins without a link (and
    # the shared record map with no object) are debris of a killed
    # command: nothing in the kernel runs them, readers skip them, and the
    # next mutating command repairs them (see debris()); the test requires
    # them gone after it.
    for unit, files in sorted(u.items()):
        if unit == "top" or "link" not in files:
            continue
        if unit not in full:
            out.append("unexpected pin directory %s: %s" % (unit, " ".join(files)))
        elif files != full[unit]:
            out.append("partial object %s: its link is pinned, it has '%s', a complete one has '%s'" %
                       (unit, " ".join(files), " ".join(full[unit])))
    # Readers see only whole objects.
    out += readers(pinned_links())
    # The kernel lists an algorithm exactly when its link is pinned.
    pinned_cc = sorted(a for a in SHIPPED if os.path.exists("%s/cc/%s/link" % (ROOT, a)))
    for a in sorted(SHIPPED):
        listed, pinned = a in k.available, a in pinned_cc
        if listed and not pinned:
            out.append("half-registered: the kernel lists %s, no link is pinned" % a)
        elif pinned and not listed:
            out.append("dead registration: %s's link is pinned, the kernel does not list it" % a)
    # The cgroup runs a program exactly when its link is pinned.
    for prog, pin in (("bpftcp_delack", "opt/delack/%d/link" % CGID),
                      ("bpftcp_sock_stats", "sockets/cg-%d/link" % CGID)):
        on, pinned = prog in k.cgroup, os.path.exists(os.path.join(ROOT, pin))
        if on and not pinned:
            out.append("%s runs on the cgroup, its link is not pinned" % prog)
        elif pinned and not on:
            out.append("%s's link is pinned, the cgroup does not run it" % prog)
    # Every link of bpftcp's (a shipped algorithm's struct_ops link, a
    # link on the test's cgroup) is pinned under the pin root, and every
    # pinned link is in the kernel.
    seen = set()
    for l in k.links:
        paths = [p for p in l.get("pinned", []) if p.startswith(ROOT + "/")]
        seen.update(paths)
        ours = (l.get("type") == "struct_ops" and k.map_names.get(l.get("map_id")) in SHIPPED) or \
               (l.get("type") == "cgroup" and l.get("cgroup_id") == CGID)
        if ours and not paths:
            out.append("orphaned link %d (%s %s): not pinned" %
                       (l["id"], l.get("type"), k.map_names.get(l.get("map_id"), l.get("attach_type", ""))))
    for d, _, files in os.walk(ROOT):
        for f in files:
            p = os.path.join(d, f)
            if f == "link" and p not in seen:
                out.append("pinned link %s is not a link the kernel lists" % p)
    # struct_ops maps of shipped algorithms: only the registered ones (the
    # test opens no connection, so none may be retained).
    if k.struct_ops != pinned_cc:
        out.append("struct_ops maps '%s' are not the registered '%s'" %
                   (" ".join(k.struct_ops), " ".join(pinned_cc)))
    # A default set by apply: the host's, or a registered one whose way
    # back (apply's saved default) is kept.
    if k.default != ENV["HOST_DEFAULT"]:
        if k.default.startswith("bpf_") and k.default not in pinned_cc:
            out.append("the default %s is not registered by bpftcp" % k.default)
        try:
            saved = open(os.path.join(ENV["BPFTCP_RUNDIR"], "default")).read().strip()
        except OSError:
            saved = ""
        if saved != ENV["HOST_DEFAULT"]:
            out.append("the default is %s, and apply's saved default is '%s', not the host's %s" %
                       (k.default, saved, ENV["HOST_DEFAULT"]))
    return out


def main():
    mode = sys.argv[1]
    if mode == "units":
        sys.stdout.write(units_text(units()))
    elif mode == "snapshot":
        sys.stdout.write(units_text(units()) + Kernel().text() + rundir_text())
    elif mode == "baseline":
        for m in bpftool("struct_ops", "list"):
            print("map", m["id"])
        for l in bpftool("link", "list"):
            print("link", l["id"])
    elif mode == "debris":
        for d in debris():
            print(d)
    elif mode == "problems":
        for p in problems(sys.argv[2]):
            print(p)
    else:
        sys.exit("usage: crash-state.py snapshot|units|problems FULL")


if __name__ == "__main__":
    main()
