#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""summarize.py OUTDIR - turn bench/run's results.csv + meta.txt into
summary.md (medians, min-max, ratios to host-native, targets) and
summary.png (gnuplot grouped bar chart of the ratios).

Ratios are median(path) / median(host-native) for every metric: above 1 is
better for rates (Gbit/s, req/s, conn/s, loop/s), worse for latencies.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys

# (workload, metric, label) in table order; "higher" says which way is good.
ROWS = [
    ("iperf-up-1", "gbps", "iperf3 container→server, 1 stream (Gbit/s)"),
    ("iperf-up-4", "gbps", "iperf3 container→server, 4 streams (Gbit/s)"),
    ("iperf-pub-1", "gbps", "iperf3 server→container, published port, 1 stream (Gbit/s)"),
    ("iperf-pub-4", "gbps", "iperf3 server→container, published port, 4 streams (Gbit/s)"),
    ("redis-c20", "get_rps", "redis GET -c 20 -P 1 (req/s)"),
    ("redis-c100", "get_rps", "redis GET -c 100 -P 1 (req/s)"),
    ("redis-c20", "set_rps", "redis SET -c 20 -P 1 (req/s)"),
    ("redis-c100", "set_rps", "redis SET -c 100 -P 1 (req/s)"),
    ("shortconn", "conns_per_s", "short connections (conn/s)"),
    ("shortconn", "connect_p50_us", "short conn. connect p50 (µs)"),
    ("shortconn", "connect_p99_us", "short conn. connect p99 (µs)"),
    ("shortconn", "errors", "short conn. errors (count)"),
    ("trapped-continue", "p50_us", "trapped connect, not switched: p50 (µs)"),
    ("trapped-continue", "p99_us", "trapped connect, not switched: p99 (µs)"),
    ("trapped-switch", "p50_us", "trapped connect, switched (UDP): p50 (µs)"),
    ("trapped-switch", "p99_us", "trapped connect, switched (UDP): p99 (µs)"),
    ("offsock", "loops_per_s", "off-socket open/fcntl/close loop (loop/s)"),
    ("syscalls", "per_connect", "supervisor system calls per switched TCP connect (strace, epoll_wait excluded)"),
    ("sup-idle", "rss_kib", "supervisor idle: VmRSS (KiB)"),
    ("sup-idle", "pss_kib", "supervisor idle: Pss (KiB)"),
    ("sup-idle", "cpu_ms_total", "supervisor idle: CPU since start (ms)"),
    ("sup-idle", "cpu_ms_idle", "supervisor idle: CPU while idle (ms)"),
]
SUP_N_ROWS = [
    ("containers_ready", "containers connected"),
    ("rss_kib_per_sup", "VmRSS per supervisor, median (KiB)"),
    ("rss_kib_total", "VmRSS, all supervisors (KiB)"),
    ("pss_kib_total", "Pss, all supervisors (KiB)"),
    ("cpu_ms_total", "CPU since start, all supervisors (ms)"),
    ("cpu_ms_idle", "CPU while holding, all supervisors (ms)"),
]
# Chart: rate metrics only (higher is better), one group per row.
CHART = [
    ("iperf-up-1", "gbps", "iperf3 up 1"),
    ("iperf-up-4", "gbps", "iperf3 up 4"),
    ("iperf-pub-1", "gbps", "iperf3 pub 1"),
    ("iperf-pub-4", "gbps", "iperf3 pub 4"),
    ("redis-c20", "get_rps", "redis GET c20"),
    ("redis-c100", "get_rps", "redis GET c100"),
    ("redis-c20", "set_rps", "redis SET c20"),
    ("redis-c100", "set_rps", "redis SET c100"),
    ("shortconn", "conns_per_s", "short conns/s"),
    ("offsock", "loops_per_s", "off-socket loop"),
]


def fmt(v):
    if v is None:
        return "—"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}".replace(",", " ")
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


XN_LABEL = {
    "xn-native": "host-to-host native",
    "xn-b4ns": "b4ns, by container address (registry, etcd)",
    "xn-b4ns-addr": "b4ns, by node address (no registry entry)",
    "xn-slirp": "slirp4netns (port forwarding)",
}
XN_ROWS = [
    ("xnode-iperf-1", "gbps", "iperf3 node 1→node 2, 1 stream (Gbit/s)"),
    ("xnode-redis-get", "get_rps", "redis GET -c 20 -P 1 (req/s)"),
    ("xnode-shortconn", "conns_per_s", "short connections (conn/s)"),
    ("xnode-shortconn", "connect_p50_us", "short conn. connect p50 (µs)"),
    ("xnode-shortconn", "connect_p99_us", "short conn. connect p99 (µs)"),
    ("xnode-shortconn", "errors", "short conn. errors (count)"),
]


def xnode_section(md, meta, vals, fails, seen):
    """The "Cross-node" section: bench/multinode's rows, ratios to xn-native."""
    med, cell = cell_fn(vals, fails, seen, ref="xn-native")
    if "xn_paths" not in meta:
        if "xn_error" in meta:
            md.append(f"## Cross-node (issue 12)\n\n{meta['xn_error']}\n")
        return
    paths = meta["xn_paths"].split()
    skip = {p: meta["xn_path_" + p] for p in paths if meta.get("xn_path_" + p, "ok") != "ok"}
    measured = [p for p in paths if p not in skip]
    md.append("## Cross-node (issue 12)\n")
    md.append("`bench/multinode`: two nodes (network namespaces b4xn-n1/n2, 10.78.0.1/.2 on a "
              "bridge, etcd on it; no route to any container address), a `b4ns daemon "
              "--registry=etcd` per node as the test user; the client on node 1, its server "
              "(iperf3 -s, redis-server, echod) on node 2. "
              f"{meta.get('xn_runs')} run(s); {meta.get('xn_params')}; "
              f"failed measurements: {meta.get('xn_failures')}.\n")
    how = {
        "xn-native": "client in node 1's namespace → 10.78.0.2 (servers there)",
        "xn-b4ns": "`b4ns run --net=none --daemon --network=xn --ip=10.79.1.2/16` → the server "
                   "container's address 10.79.2.2 (`--ip=10.79.2.2/16 -p 15201:5201 …` on node 2): "
                   "node 1's daemon finds it in its etcd-fed registry, connects to 10.78.0.2:15201",
        "xn-b4ns-addr": "the same containers → 10.78.0.2:15201… (an ordinary switched connect)",
        "xn-slirp": "`b4ns run --mode=off --net=slirp4netns` → 10.78.0.2:35201… forwarded by "
                    "the server container's slirp4netns (`-p 35201:5201 …`)",
    }
    md.append("| path | how | status |")
    md.append("|---|---|---|")
    for p in paths:
        st = "measured" if p not in skip else f"skipped ({skip[p]})"
        md.append(f"| {XN_LABEL.get(p, p)} | {how.get(p, '')} | {st} |")
    md.append("")

    md.append("| workload | " + " | ".join(XN_LABEL.get(p, p) for p in measured) + " |")
    md.append("|---|" + "---|" * len(measured))
    for w, m, lab in XN_ROWS:
        md.append(f"| {lab} | "
                  + " | ".join(cell(p, w, m, m != "errors") for p in measured) + " |")
    md.append("")

    def xr(w, m, p="xn-b4ns", ref="xn-native"):
        a, n = med(p, w, m), med(ref, w, m)
        return a / n if a is not None and n else None

    tg = [("iperf3 1 stream, b4ns / host-to-host", "≥ 0.90×", xr("xnode-iperf-1", "gbps"),
           lambda r: r >= 0.9, "×"),
          ("redis GET, b4ns / host-to-host", "≥ 0.90×", xr("xnode-redis-get", "get_rps"),
           lambda r: r >= 0.9, "×"),
          ("connect p50 by container address / by node address (zero etcd round trips)",
           "≤ 1.10×", xr("xnode-shortconn", "connect_p50_us", "xn-b4ns", "xn-b4ns-addr"),
           lambda r: r <= 1.1, "×")]
    md.append("| target | goal | measured | |")
    md.append("|---|---|---|---|")
    for lab, goal, v, ok, unit in tg:
        if v is None:
            md.append(f"| {lab} | {goal} | — | not measured |")
        else:
            md.append(f"| {lab} | {goal} | {v:.2f}{unit} | {'met' if ok(v) else '**missed**'} |")
    one = med("b4ns", "shortconn", "connect_p50_us")
    xn = med("xn-b4ns", "xnode-shortconn", "connect_p50_us")
    if one is not None and xn is not None:
        md.append(f"\nFor comparison, the one-node switched connect (`shortconn`, b4ns run → "
                  f"the test host) has p50 {fmt(one)} µs; the cross-node one by container "
                  f"address {fmt(xn)} µs (other namespaces and server, so only indicative; "
                  "the by-node-address column is the like-for-like reference).")
    md.append("")


def load(out, meta_name, csv_name):
    """meta (KEY=VALUE lines) and the values of a results CSV"""
    meta, vals, fails, seen = {}, {}, {}, set()
    with open(os.path.join(out, meta_name)) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    with open(os.path.join(out, csv_name)) as f:
        for r in csv.DictReader(f, fieldnames=None if csv_name == "results.csv" else
                                ["path", "workload", "metric", "run", "value", "unit"]):
            key = (r["path"], r["workload"], r["metric"])
            seen.add((r["path"], r["workload"]))
            if r["value"] == "skipped":
                continue
            try:
                vals.setdefault(key, []).append(float(r["value"]))
            except ValueError:
                fails[key] = fails.get(key, 0) + 1
    return meta, vals, fails, seen


def cell_fn(vals, fails, seen, ref="native"):
    """med() and cell() over vals: median (min–max), ratio to path ref"""
    def med(p, w, m):
        x = vals.get((p, w, m))
        return statistics.median(x) if x else None

    def cell(p, w, m, ratio=True):
        x = vals.get((p, w, m))
        nf = fails.get((p, w, m), 0)
        if not x:
            if nf:
                return f"failed ({nf}/{nf})"
            if (p, w) not in seen:
                return "n/a"
            return "skipped"
        md = statistics.median(x)
        s = fmt(md)
        if len(x) > 1:
            s += f" ({fmt(min(x))}–{fmt(max(x))})"
        n = med(ref, w, m)
        if ratio and n and p != ref:
            s += f" **×{md / n:.2f}**"
        elif ratio and p == ref:
            s += " ×1.00"
        if nf:
            s += f" [{nf} failed]"
        return s
    return med, cell


def xnode_only(out):
    """bench/multinode alone: summary.md with the cross-node section only"""
    meta, vals, fails, seen = load(out, "xnode-meta.txt", "xnode.csv")
    md = ["# b4ns cross-node benchmark\n",
          f"- command: `{meta.get('xn_command')}` (as root, from the source tree)",
          f"- machine: {platform_line()}", ""]
    xnode_section(md, meta, vals, fails, seen)
    md.append("Raw data: `xnode.csv` (path,workload,metric,run,value,unit); every client's "
              "output in `raw/xn/`.")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    return 0


def platform_line():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} vCPU, kernel {os.uname().release}"


def main():
    out = sys.argv[1]
    if not os.path.exists(os.path.join(out, "meta.txt")) and \
            os.path.exists(os.path.join(out, "xnode-meta.txt")):
        return xnode_only(out)
    meta = {}
    with open(os.path.join(out, "meta.txt")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    paths = meta["paths"].split()
    label = {p: meta.get("label_" + p, p) for p in paths}
    skip = {p: meta["path_" + p] for p in paths if meta.get("path_" + p, "ok") != "ok"}
    measured = [p for p in paths if p not in skip]

    vals = {}  # (path, workload, metric) -> [floats]
    fails = {}  # (path, workload, metric) -> count
    seen = set()  # (path, workload) with any row
    sup_wl = None
    with open(os.path.join(out, "results.csv")) as f:
        for r in csv.DictReader(f):
            key = (r["path"], r["workload"], r["metric"])
            seen.add((r["path"], r["workload"]))
            if r["workload"].startswith("sup-") and r["workload"] != "sup-idle":
                sup_wl = r["workload"]
            v = r["value"]
            if v == "skipped":
                continue
            try:
                vals.setdefault(key, []).append(float(v))
            except ValueError:
                fails[key] = fails.get(key, 0) + 1

    med, cell = cell_fn(vals, fails, seen)

    md = []
    md.append(f"# b4ns benchmark ({meta.get('mode', '?')} run)\n")
    md.append(f"- date: {meta.get('date')}")
    md.append(f"- machine: {meta.get('cpu')}, {meta.get('cores')} vCPU, "
              f"kernel {meta.get('kernel')}, {meta.get('os')}")
    md.append(f"- command: `{meta.get('command')}` (as root, from the source tree)")
    md.append(f"- b4ns: {meta.get('b4ns')}")
    md.append(f"- {meta.get('runs')} interleaved runs (for each run: for each workload: "
              f"every path in turn); {meta.get('params')}")
    vers = [meta[k] for k in ("v_iperf3", "v_redis", "v_slirp4netns", "v_pasta", "v_podman")
            if k in meta]
    if vers:
        md.append(f"- tools: {'; '.join(vers)}")
    md.append(f"- elapsed: {meta.get('elapsed_s')} s; failed measurements: {meta.get('failures')}")
    md.append("")
    md.append("Each cell: median (min–max) over the runs and **×ratio** of the medians to "
              "host-native (above 1 is better for rates, worse for latencies). Clients run as "
              "an unprivileged user; servers in the test host namespace (10.79.1.1). "
              "\"server→container\": `iperf3 -s` in the container on a published port "
              "(`-p 5301:5201`; native: on 5301 directly), the client in the test host sends.\n")

    md.append("## Paths\n")
    md.append("| path | how | status |")
    md.append("|---|---|---|")
    how = {
        "native": "client directly in the test host namespace",
        "b4ns": "`b4ns run --net=none --` (seccomp; switched sockets)",
        "preload": "`b4ns run` with `mode = \"preload\"`",
        "podman": "`podman --runtime runc run --rm --network none --annotation b4ns.mode=seccomp` "
                  "(rootless, `b4ns daemon` + precreate hook; image with the clients)",
        "slirp65520": "`b4ns run` with `mode = \"off\"; net = \"slirp4netns\"` (MTU 65520)",
        "slirp1500": "bench/slirpwrap.sh: `unshare -rn` + `slirp4netns --configure --mtu=1500`",
        "pasta": "`b4ns run` with `mode = \"off\"; net = \"pasta\"`",
    }
    for p in paths:
        st = "measured" if p not in skip else f"skipped ({skip[p]})"
        md.append(f"| {label[p]} | {how.get(p, '')} | {st} |")
    if "podman" in paths and "podman" not in skip:
        md.append("\nPodman: one `b4ns daemon` (as the test user, private XDG_RUNTIME_DIR) and one "
                  "image (busybox-static, the clients and their libraries, `podman import`ed into "
                  "private vfs storage) are set up once before the timed runs"
                  + (f" ({meta['podman_setup_s']} s)" if "podman_setup_s" in meta else "")
                  + "; every client is its own `podman run`. Container start-up is not in any "
                  "figure: iperf3 and redis-benchmark report their own rates, shortconn, trapped "
                  "and offsock time themselves. The supervisor rows are n/a for Podman: its "
                  "containers share the one daemon instead of one `b4ns run` supervisor each."
                  + (" " + meta["podman_subset"] if meta.get("podman_subset") else ""))
    wlskip = {k[len("wlskip_"):]: v for k, v in meta.items() if k.startswith("wlskip_")}
    for w, why in sorted(wlskip.items()):
        md.append(f"\nWorkload {w}: skipped ({why}).")
    md.append("")

    md.append("## Results\n")
    md.append("| workload | " + " | ".join(label[p] for p in measured) + " |")
    md.append("|---|" + "---|" * len(measured))
    for w, m, lab in ROWS:
        noratio = w.startswith("sup") or m == "errors"
        md.append(f"| {lab} | " + " | ".join(cell(p, w, m, not noratio) for p in measured) + " |")
    if sup_wl:
        n = sup_wl[len("sup-"):]
        for m, lab in SUP_N_ROWS:
            md.append(f"| supervisor, {n} containers: {lab} | "
                      + " | ".join(cell(p, sup_wl, m, False) for p in measured) + " |")
    md.append("")
    md.append("n/a: the workload measures b4ns' own overhead and does not apply to that path. "
              "Supervisor rows: each `b4ns run` is its own supervisor (Podman containers share one "
              "`b4ns daemon`: n/a there); RSS is "
              "VmRSS of the b4ns process (counts shared libc/binary pages in full; Pss shares them out), CPU is its on-CPU time from schedstat (all threads), \"since start\" including the start-up and the switching of the held connections.\n")

    # Targets (issue #5), for the b4ns seccomp path.
    def ratio(w, m, p="b4ns"):
        a, n = med(p, w, m), med("native", w, m)
        return a / n if a is not None and n else None

    tg = []
    for w, m, lab in [("iperf-up-1", "gbps", "iperf3 container→server 1 stream"),
                      ("iperf-up-4", "gbps", "iperf3 container→server 4 streams"),
                      ("iperf-pub-1", "gbps", "iperf3 server→container 1 stream"),
                      ("iperf-pub-4", "gbps", "iperf3 server→container 4 streams")]:
        tg.append((lab, "≥ 0.97×", ratio(w, m), lambda r: r >= 0.97, "×"))
    for w, lab in [("redis-c20", "redis GET -c 20"), ("redis-c100", "redis GET -c 100")]:
        tg.append((lab, "≥ 0.95×", ratio(w, "get_rps"), lambda r: r >= 0.95, "×"))
    tg.append(("short connections/s", "≥ 0.85×", ratio("shortconn", "conns_per_s"),
               lambda r: r >= 0.85, "×"))
    tg.append(("trapped connect, not switched, p50", "≤ 10 µs",
               med("b4ns", "trapped-continue", "p50_us"), lambda v: v <= 10, " µs"))
    tg.append(("trapped connect, switched, p50", "≤ 10 µs",
               med("b4ns", "trapped-switch", "p50_us"), lambda v: v <= 10, " µs"))
    tg.append(("off-socket loop", "1.00× (≥ 0.99)", ratio("offsock", "loops_per_s"),
               lambda r: r >= 0.99, "×"))
    rss = med("b4ns", "sup-idle", "rss_kib")
    tg.append(("supervisor RSS idle", "≤ 4 MiB", rss / 1024 if rss else None,
               lambda v: v <= 4, " MiB"))
    def targets_table(title, rows):
        md.append(f"## {title}\n")
        md.append("| target | goal | measured | |")
        md.append("|---|---|---|---|")
        for lab, goal, v, ok, unit in rows:
            if v is None:
                md.append(f"| {lab} | {goal} | — | not measured |")
            else:
                vs = f"{v:.2f}{unit}" if unit else f"{v:.1f}"
                md.append(f"| {lab} | {goal} | {vs} | {'met' if ok(v) else '**missed**'} |")
        md.append("")

    targets_table("Targets (b4ns run, seccomp path)", tg)

    # Targets of issue #11: the switched connect at its floor
    t11 = []
    t11.append(("short connections/s, b4ns run", "≥ 0.70×", ratio("shortconn", "conns_per_s"),
                lambda r: r >= 0.70, "×"))
    t11.append(("short connections/s, Podman", "≥ 0.65×",
                ratio("shortconn", "conns_per_s", "podman"), lambda r: r >= 0.65, "×"))
    sw, ns = med("b4ns", "trapped-switch", "p50_us"), med("b4ns", "trapped-continue", "p50_us")
    t11.append(("switched connect p50 / not-switched p50", "≤ 2×",
                sw / ns if sw is not None and ns else None, lambda r: r <= 2, "×"))
    t11.append(("supervisor syscalls per switched TCP connect", "≤ 16",
                med("b4ns", "syscalls", "per_connect"), lambda v: v <= 16, ""))
    targets_table("Targets of issue 11 (the switched connect)", t11)
    xnode_section(md, meta, vals, fails, seen)
    md.append("![ratios to host-native](summary.png)\n")
    md.append("Raw data: `results.csv` (path,workload,metric,run,value,unit); every client's "
              "output in `raw/`.")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    # ---- chart
    cpaths = [p for p in measured if p != "native"]
    dat = os.path.join(out, "raw", "chart.dat")
    ymax = 1.2
    with open(dat, "w") as f:
        f.write("group " + " ".join('"%s"' % label[p] for p in cpaths) + "\n")
        for w, m, lab in CHART:
            row = ['"%s"' % lab]
            for p in cpaths:
                r = ratio(w, m, p)
                row.append("NA" if r is None else f"{r:.4f}")
                if r is not None:
                    ymax = max(ymax, r * 1.1)
            f.write(" ".join(row) + "\n")
    gp = os.path.join(out, "raw", "chart.gp")
    colors = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#d62728", "#8c564b", "#e377c2"]
    with open(gp, "w") as f:
        f.write(f"""set terminal pngcairo size 1400,650 font "DejaVu Sans,11"
set output "{os.path.join(out, 'summary.png')}"
set title "b4ns vs slirp4netns / pasta: ratio to host-native (median of {meta.get('runs')} runs, higher is better)\\n{meta.get('date')}, {meta.get('cpu')}, {meta.get('cores')} vCPU, kernel {meta.get('kernel')}"
set datafile missing "NA"
set key autotitle columnheader
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:{ymax:.2f}]
set ytics 0.1
set grid ytics
set ylabel "ratio to host-native"
set xtics rotate by -25 nomirror
set key top right
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb "#000000" back
""")
        plots = []
        n = len(cpaths)
        for i, p in enumerate(cpaths):
            plots.append(f"'{dat}' using {i + 2}:xtic(1) title columnheader({i + 2}) "
                         f"lc rgb '{colors[i % len(colors)]}'")
        # value labels above the bars (clustered: bar i of n sits at
        # group + (i - (n-1)/2) / (n + gap))
        for i, p in enumerate(cpaths):
            off = (i - (n - 1) / 2) / (n + 1)
            plots.append(f"'{dat}' using ($0 + {off:.4f}):{i + 2}:(sprintf('%.2f', ${i + 2})) "
                         f"with labels rotate by 90 left offset 0,0.3 font ',8' notitle")
        if not plots:
            f.write("set label 1 'no container path was measured' at graph 0.3, graph 0.5\n")
            plots = ["NaN notitle"]
        f.write("plot " + ", \\\n     ".join(plots) + "\n")
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("summarize.py: gnuplot not found (apt-get install gnuplot-nox)", file=sys.stderr)
        return 1
    subprocess.run([gnuplot, gp], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
