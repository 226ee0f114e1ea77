#!/usr/bin/env python3
"""The host half of "make bench": read the BENCH-* lines test/bench/guest-bench.sh
printed on the guest's console, take the median of each point's repeats, print
one table with pnvme's IOPS ratio to each kernel row (pnvme-perf's, and fio's
with the pnvme ioengine, fio-pnvme) and one of pnvme with PRP
against SGL data pointers (4 KiB and 128 KiB), and write OUT/results.json (every
repeat and the medians) and the data OUT/plot/*.dat that test/bench/plot.gp
draws.

  bench-report.py --log build/bench/guest.log --out build/bench [--repeats 3]
                  [--guest-status N]

Exit status: 0 when every expected measurement is there, 1 when one is
missing or failed (the table is printed anyway), 2 when there is nothing.
"""
import argparse
import datetime
import json
import os
import statistics
import sys

POINTS = [("randread", 1), ("randread", 32), ("randread", 128), ("randwrite", 32)]
PNVME = ["pnvme", "pnvme-shadow"]
KERNEL = ["io_uring", "io_uring_cmd"]
# fio with the pnvme ioengine (build/lib/pnvme_fio.so), the kernel rows' job file.
FIO_PNVME = "fio-pnvme"
LABEL = {
    "pnvme": "pnvme, MMIO doorbells",
    "pnvme-shadow": "pnvme, shadow doorbells",
    "fio-pnvme": "fio + pnvme ioengine",
    "io_uring": "fio io_uring --hipri",
    "io_uring_cmd": "fio io_uring_cmd --hipri",
}
# PRP against SGL data pointers (pnvme-perf --prp / --sgl): (workload, qd, bytes).
DPTR_POINTS = [("randread", 32, 4096), ("randread", 32, 131072)]
DPTR = ["pnvme-prp", "pnvme-sgl"]
LABEL.update({"pnvme-prp": "pnvme, PRP (--prp)", "pnvme-sgl": "pnvme, SGL (--sgl)"})
DPTR_MODE = {"pnvme-prp": "PRP", "pnvme-sgl": "SGL"}
# The aims from the issue: pnvme's IOPS over fio io_uring's.
AIMS = [("randread", 1, 2.5), ("randread", 128, 20.0)]
# fio + pnvme over fio io_uring --hipri: how much of the advantage survives fio.
FIO_AIMS = [("randread", 32, 5.0), ("randread", 128, 5.0)]
CDF_POINT = ("randread", 32)


def parse_log(path):
    meta, runs, bad = None, [], []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            for tag in ("BENCH-META ", "BENCH-JSON "):
                i = line.find(tag)
                if i < 0:
                    continue
                try:
                    obj = json.loads(line[i + len(tag):])
                except ValueError as e:
                    bad.append("line %d: %s line is not JSON (%s)" % (n, tag.strip(), e))
                    continue
                if tag == "BENCH-META ":
                    meta = obj
                else:
                    runs.append(obj)
    return meta, runs, bad


def pnvme_figures(run):
    """Figures from pnvme-perf --json; None and a reason when unusable."""
    t = run["result"].get("total")
    if not t or "iops" not in t or "lat_us" not in t:
        return None, "no total.iops / total.lat_us in pnvme-perf's JSON"
    if t.get("errors", 0):
        return None, "%d I/O errors" % t["errors"]
    lat = t["lat_us"]
    fig = {"iops": t["iops"], "mean_us": lat["avg"], "p99_us": lat["p99"],
           "p50_us": lat.get("p50"), "p99_9_us": lat.get("p99_9"), "max_us": lat.get("max"),
           "ios": t.get("ios"),
           "cpu_ns_per_io": (t.get("cpu_ns_per_io") or {}).get("total"),
           "shadow_doorbells": run["result"].get("config", {}).get("shadow_doorbells"),
           "dptr_mode": run["result"].get("config", {}).get("dptr_mode")}
    hist = t.get("histogram")
    if hist:
        fig["cdf"] = cdf_from_counts((h["hi_us"], h["count"]) for h in hist)
    else:
        # Percentiles only: a coarse distribution.
        fig["cdf"] = [[lat.get("min", 0), 0.0], [lat.get("p50"), 0.5], [lat["p99"], 0.99],
                      [lat.get("p99_9"), 0.999], [lat.get("max"), 1.0]]
        fig["cdf"] = [p for p in fig["cdf"] if p[0] is not None]
        fig["cdf_coarse"] = True
    return fig, None


def fio_figures(run):
    jobs = run["result"].get("jobs") or []
    if not jobs:
        return None, "no job in fio's JSON"
    job = jobs[0]
    if job.get("error"):
        return None, "fio job error %s" % job["error"]
    sec = job["write" if run["workload"] == "randwrite" else "read"]
    lat = sec.get("lat_ns") or {}
    pct = lat.get("percentile") or {}
    if not sec.get("total_ios") or "mean" not in lat or "99.000000" not in pct:
        return None, "no I/O or no latency percentiles in fio's JSON"
    fig = {"iops": sec["iops"], "mean_us": lat["mean"] / 1e3, "p99_us": pct["99.000000"] / 1e3,
           "p50_us": pct.get("50.000000", 0) / 1e3, "p99_9_us": pct.get("99.900000", 0) / 1e3,
           "max_us": lat.get("max", 0) / 1e3, "ios": sec.get("total_ios")}
    bins = lat.get("bins")
    if bins:
        fig["cdf"] = cdf_from_counts((int(k) / 1e3, v) for k, v in bins.items())
    return fig, None


def cdf_from_counts(pairs):
    pairs = sorted((x, c) for x, c in pairs if c)
    total = sum(c for _, c in pairs) or 1
    out, acc = [], 0
    for x, c in pairs:
        acc += c
        out.append([x, acc / total])
    return out


def merge_cdfs(cdfs):
    """Sum of several distributions given as CDFs of equal weight."""
    if len(cdfs) == 1:
        return cdfs[0]
    xs = sorted({x for c in cdfs for x, _ in c})
    out = []
    for x in xs:
        tot = 0.0
        for c in cdfs:
            v = 0.0
            for cx, cy in c:
                if cx <= x:
                    v = cy
                else:
                    break
            tot += v
        out.append([x, tot / len(cdfs)])
    return out


def median_or_none(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_int(v):
    return "n/a" if v is None else "{:,.0f}".format(v)


def fmt_kib(b):
    return "%d KiB" % (b // 1024) if b % 1024 == 0 else "%d B" % b


def fmt_us(v):
    if v is None:
        return "n/a"
    return "%.1f" % v if v < 1000 else "{:,.0f}".format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--guest-status", type=int, default=0)
    ap.add_argument("--host-busy", type=float, default=None,
                    help="percent of the host's CPU time used by other processes")
    a = ap.parse_args()

    try:
        meta, runs, problems = parse_log(a.log)
    except OSError as e:
        print("bench: cannot read %s: %s" % (a.log, e), file=sys.stderr)
        return 2
    if meta is None and not runs:
        print("bench: no BENCH-* lines in %s: the guest did not get to the benchmark"
              % a.log, file=sys.stderr)
        return 2
    meta = meta or {}
    reps = meta.get("repeats", a.repeats)
    kernel = KERNEL if meta.get("io_uring_cmd", True) else KERNEL[:1]
    fio_pnvme = [FIO_PNVME] if meta.get("fio_pnvme", False) else []
    engines = PNVME + fio_pnvme + kernel

    # Every repeat, with its figures or why it has none.
    dptr_rows = meta.get("dptr_rows", False)
    table_runs = []
    by_key = {}     # the 4 KiB table: (workload, qd, engine)
    by_dkey = {}    # the data-pointer rows: (workload, qd, bytes, engine)
    for r in runs:
        key = (r.get("workload"), r.get("qd"), r.get("engine"))
        bs = r.get("bs", 4096)
        entry = {"rep": r.get("rep"), "workload": key[0], "qd": key[1], "bs": bs,
                 "engine": key[2], "cmd": r.get("cmd"), "ok": False}
        if r.get("ok"):
            try:
                fig, why = (pnvme_figures if key[2] in PNVME + DPTR else fio_figures)(r)
            except (KeyError, TypeError, ValueError) as e:
                fig, why = None, "unexpected JSON: %r" % e
            if fig and key[2] in DPTR and fig.get("dptr_mode") != DPTR_MODE[key[2]]:
                fig, why = None, "pnvme-perf ran with data pointers %s, not %s" % (
                    fig.get("dptr_mode"), DPTR_MODE[key[2]])
            if fig:
                entry.update(fig)
                entry["mib_per_s"] = fig["iops"] * bs / 2**20
                entry["ok"] = True
            else:
                entry["error"] = why
        else:
            entry["error"] = r.get("error", "failed")
            entry["stderr"] = r.get("stderr")
        if not entry["ok"]:
            problems.append("rep %s %s QD%s %s %s: %s" % (entry["rep"], key[0], key[1],
                                                         fmt_kib(bs), key[2], entry["error"]))
        table_runs.append(entry)
        if entry["ok"]:
            if key[2] in DPTR:
                by_dkey.setdefault((key[0], key[1], bs, key[2]), []).append(entry)
            else:
                by_key.setdefault(key, []).append(entry)

    # Medians, each figure on its own.
    medians = {}
    for wl, qd in POINTS:
        for e in engines:
            got = by_key.get((wl, qd, e), [])
            if len(got) < reps:
                problems.append("%s QD%d %s: %d of %d repeats measured" % (wl, qd, e,
                                                                           len(got), reps))
            if not got:
                continue
            iops = [g["iops"] for g in got]
            med = statistics.median(iops)
            m = {"workload": wl, "qd": qd, "engine": e, "repeats": len(got),
                 "iops": med, "mean_us": statistics.median(g["mean_us"] for g in got),
                 "p99_us": statistics.median(g["p99_us"] for g in got),
                 "cpu_ns_per_io": median_or_none(g.get("cpu_ns_per_io") for g in got),
                 "iops_min": min(iops), "iops_max": max(iops),
                 "spread_pct": 100.0 * (max(iops) - min(iops)) / med if med else None}
            if e == "pnvme-shadow" and any(g.get("shadow_doorbells") is False for g in got):
                m["note"] = "asked for shadow doorbells, pnvme-perf reports them off"
                problems.append("%s QD%d: pnvme-perf ran without shadow doorbells although "
                                "they were asked for" % (wl, qd))
            medians[(wl, qd, e)] = m

    dmedians = {}
    for wl, qd, bs in DPTR_POINTS if dptr_rows else []:
        for e in DPTR:
            got = by_dkey.get((wl, qd, bs, e), [])
            if len(got) < reps:
                problems.append("%s QD%d %s %s: %d of %d repeats measured"
                                % (wl, qd, fmt_kib(bs), e, len(got), reps))
            if not got:
                continue
            iops = [g["iops"] for g in got]
            med = statistics.median(iops)
            dmedians[(wl, qd, bs, e)] = {
                "workload": wl, "qd": qd, "bs": bs, "engine": e, "repeats": len(got),
                "iops": med, "mib_per_s": med * bs / 2**20,
                "mean_us": statistics.median(g["mean_us"] for g in got),
                "p99_us": statistics.median(g["p99_us"] for g in got),
                "cpu_ns_per_io": median_or_none(g.get("cpu_ns_per_io") for g in got),
                "iops_min": min(iops), "iops_max": max(iops),
                "spread_pct": 100.0 * (max(iops) - min(iops)) / med if med else None}
    dratios = []
    for wl, qd, bs in DPTR_POINTS if dptr_rows else []:
        p, g = dmedians.get((wl, qd, bs, "pnvme-prp")), dmedians.get((wl, qd, bs, "pnvme-sgl"))
        dratios.append({"workload": wl, "qd": qd, "bs": bs,
                        "sgl_over_prp_iops": g["iops"] / p["iops"] if p and g and p["iops"]
                        else None})

    def ratio(wl, qd, num, den):
        n, d = medians.get((wl, qd, num)), medians.get((wl, qd, den))
        if not n or not d or not d["iops"]:
            return None
        return n["iops"] / d["iops"]

    ratios = []
    for wl, qd in POINTS:
        for k in kernel:
            for p in PNVME + fio_pnvme:
                ratios.append({"workload": wl, "qd": qd, "pnvme_engine": p,
                               "kernel_engine": k, "iops_ratio": ratio(wl, qd, p, k)})

    # ---- the table ----------------------------------------------------------
    hdr = ("workload", "QD", "engine", "IOPS", "spread", "mean us", "p99 us",
           "pnvme/this", "pnvme-shadow/this", "fio+pnvme/this", "cpu ns/IO")
    rows = []
    for wl, qd in POINTS:
        for e in engines:
            m = medians.get((wl, qd, e))
            r1 = ratio(wl, qd, "pnvme", e) if e in KERNEL + fio_pnvme else None
            r2 = ratio(wl, qd, "pnvme-shadow", e) if e in KERNEL + fio_pnvme else None
            r3 = ratio(wl, qd, FIO_PNVME, e) if e in KERNEL and fio_pnvme else None
            rows.append((wl, str(qd), LABEL[e],
                         fmt_int(m["iops"]) if m else "MISSING",
                         "%.0f%%" % m["spread_pct"] if m and m["spread_pct"] is not None else "",
                         fmt_us(m["mean_us"]) if m else "", fmt_us(m["p99_us"]) if m else "",
                         "%.2fx" % r1 if r1 else "", "%.2fx" % r2 if r2 else "",
                         "%.2fx" % r3 if r3 else "",
                         "%.0f" % m["cpu_ns_per_io"] if m and m.get("cpu_ns_per_io") else ""))
    widths = [max(len(str(x)) for x in col) for col in zip(hdr, *rows)]
    right = {1, 3, 4, 5, 6, 7, 8, 9, 10}

    def line(cells):
        return "  ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    print()
    print("4 KiB I/O, one core, QEMU NVMe (null-co), median of %d runs of %ss each%s"
          % (reps, meta.get("seconds", "?"),
             " after a %ss warm-up" % meta["warmup_s"] if meta.get("warmup_s") else ""))
    print(line(hdr))
    print(line(["-" * w for w in widths]))
    prev = None
    for r in rows:
        if prev and (r[0], r[1]) != prev:
            print()
        print(line(r))
        prev = (r[0], r[1])
    print("spread: (max - min) / median of the repeats' IOPS; pnvme/this: pnvme's median "
          "IOPS over that row's; fio+pnvme/this: fio with the pnvme ioengine's over that "
          "row's; cpu ns/IO: pnvme-perf's time in the driver's calls")
    if not fio_pnvme:
        print("fio + pnvme ioengine: build/lib/pnvme_fio.so not in the guest "
              "(make fio-plugin): rows not measured")
    if a.host_busy is not None:
        print("host: %d CPUs, %.0f%% busy with other work than this guest during the run%s"
              % (os.cpu_count(), a.host_busy,
                 " (figures disturbed: compare within one run only)" if a.host_busy > 10 else ""))
    if not meta.get("io_uring_cmd", True):
        print("io_uring_cmd: not supported by this fio (%s): row skipped"
              % meta.get("fio_version", "?"))
    aims = []
    for wl, qd, want in AIMS:
        got = ratio(wl, qd, "pnvme", "io_uring")
        aims.append({"workload": wl, "qd": qd, "vs": "io_uring", "aim": want, "measured": got})
        print("aim: %s QD%d pnvme >= %.1fx fio io_uring: measured %s" % (
            wl, qd, want, "%.2fx (%s)" % (got, "met" if got >= want else "not met")
            if got else "n/a"))
    for wl, qd, want in FIO_AIMS if fio_pnvme else []:
        got = ratio(wl, qd, FIO_PNVME, "io_uring")
        aims.append({"workload": wl, "qd": qd, "engine": FIO_PNVME, "vs": "io_uring",
                     "aim": want, "measured": got})
        print("aim: %s QD%d fio+pnvme >= %.1fx fio io_uring: measured %s" % (
            wl, qd, want, "%.2fx (%s)" % (got, "met" if got >= want else "not met")
            if got else "n/a"))
    if str(meta.get("nvme_poll_queues", "1")) in ("0", "none"):
        print("warning: the kernel's nvme driver has no poll queues (poll_queues=%s): "
              "--hipri did not poll" % meta.get("nvme_poll_queues"))

    if dptr_rows:
        dhdr = ("workload", "QD", "size", "engine", "IOPS", "MiB/s", "spread", "mean us",
                "p99 us", "sgl/prp", "cpu ns/IO")
        drows = []
        for wl, qd, bs in DPTR_POINTS:
            for e in DPTR:
                m = dmedians.get((wl, qd, bs, e))
                r = next((x["sgl_over_prp_iops"] for x in dratios
                          if (x["workload"], x["qd"], x["bs"]) == (wl, qd, bs)), None)
                drows.append((wl, str(qd), fmt_kib(bs), LABEL[e],
                              fmt_int(m["iops"]) if m else "MISSING",
                              "%.1f" % m["mib_per_s"] if m else "",
                              "%.0f%%" % m["spread_pct"] if m and m["spread_pct"] is not None
                              else "",
                              fmt_us(m["mean_us"]) if m else "", fmt_us(m["p99_us"]) if m else "",
                              "%.2fx" % r if r and e == "pnvme-sgl" else "",
                              "%.0f" % m["cpu_ns_per_io"] if m and m.get("cpu_ns_per_io")
                              else ""))
        dwidths = [max(len(str(x)) for x in col) for col in zip(dhdr, *drows)]
        dright = {1, 2, 4, 5, 6, 7, 8, 9, 10}

        def dline(cells):
            return "  ".join(str(c).rjust(w) if i in dright else str(c).ljust(w)
                             for i, (c, w) in enumerate(zip(cells, dwidths))).rstrip()

        print()
        print("Data pointers: pnvme-perf --prp against --sgl, same device, median of %d runs"
              % reps)
        print(dline(dhdr))
        print(dline(["-" * w for w in dwidths]))
        prev = None
        for r in drows:
            if prev and (r[0], r[1], r[2]) != prev:
                print()
            print(dline(r))
            prev = (r[0], r[1], r[2])
        print("sgl/prp: the SGL row's median IOPS over the PRP row's")
    else:
        print("PRP/SGL rows: pnvme-perf has no --sgl/--prp: not measured")

    # ---- files --------------------------------------------------------------
    os.makedirs(os.path.join(a.out, "plot"), exist_ok=True)
    cdfs = {}
    for e in engines:
        got = [g for g in by_key.get(CDF_POINT + (e,), []) if g.get("cdf")]
        if not got:
            continue
        if any(g.get("cdf_coarse") for g in got):
            # Percentile points only: the repeat with the median IOPS.
            got.sort(key=lambda g: g["iops"])
            cdfs[e] = {"points": got[len(got) // 2]["cdf"], "coarse": True}
        else:
            cdfs[e] = {"points": merge_cdfs([g["cdf"] for g in got]), "coarse": False}
    result = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "meta": {k: v for k, v in meta.items() if k != "perf_help"},
        "guest_status": a.guest_status,
        "host_cpus": os.cpu_count(),
        "host_other_busy_pct": a.host_busy,
        "engines": {e: LABEL[e] for e in engines},
        "runs": [{k: v for k, v in r.items() if k not in ("cdf", "cdf_coarse")}
                 for r in table_runs],
        "medians": list(medians.values()),
        "ratios": ratios,
        "dptr": {"measured": bool(dptr_rows),
                 "engines": {e: LABEL[e] for e in DPTR},
                 "medians": list(dmedians.values()),
                 "ratios": dratios},
        "aims": aims,
        "latency_cdf": {"workload": CDF_POINT[0], "qd": CDF_POINT[1], "engines": cdfs},
        "problems": problems,
    }
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    pdir = os.path.join(a.out, "plot")
    for name, field in (("iops", "iops"), ("mean", "mean_us"), ("p99", "p99_us")):
        with open(os.path.join(pdir, name + ".dat"), "w") as f:
            f.write("# point " + " ".join(engines) + "\n")
            for wl, qd in POINTS:
                vals = []
                for e in engines:
                    m = medians.get((wl, qd, e))
                    vals.append("%.3f" % m[field] if m else "NaN")
                f.write('"%s QD%d" %s\n' % (wl, qd, " ".join(vals)))
    with open(os.path.join(pdir, "engines.txt"), "w") as f:
        f.write(" ".join(engines) + "\n")
    with open(os.path.join(pdir, "cdf-engines.txt"), "w") as f:
        f.write(" ".join(e for e in engines if e in cdfs) + "\n")
    with open(os.path.join(pdir, "cdf-coarse.txt"), "w") as f:
        f.write(" ".join(e for e in engines if e in cdfs and cdfs[e]["coarse"]) + "\n")
    with open(os.path.join(pdir, "title.txt"), "w") as f:
        f.write("pnvme and the kernel's io_uring path, same QEMU guest (TCG, null-co), "
                "4 KiB, one core: medians of %d x %ss\n" % (reps, meta.get("seconds", "?")))
    for e in engines:
        path = os.path.join(pdir, "cdf-%s.dat" % e)
        if e in cdfs:
            with open(path, "w") as f:
                f.write("# latency_us cumulative_fraction%s\n"
                        % (" (percentile points only)" if cdfs[e]["coarse"] else ""))
                for x, y in cdfs[e]["points"]:
                    f.write("%.3f %.6f\n" % (x, y))
        elif os.path.exists(path):
            os.remove(path)
    print("bench: %d measurements read, %d medians" % (len(runs), len(medians) + len(dmedians)))

    if problems:
        print("bench: PROBLEMS:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
    complete = all((wl, qd, e) in medians and medians[(wl, qd, e)]["repeats"] >= reps
                   for wl, qd in POINTS for e in engines)
    if dptr_rows:
        complete = complete and all(
            (wl, qd, bs, e) in dmedians and dmedians[(wl, qd, bs, e)]["repeats"] >= reps
            for wl, qd, bs in DPTR_POINTS for e in DPTR)
    bad_run = any(not r["ok"] for r in table_runs)
    return 0 if complete and not bad_run and a.guest_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
