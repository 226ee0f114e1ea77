#!/usr/bin/env python3
"""Check fio's --output-format=json for the pnvme engine's tests.

    check_json.py FILE [--jobs N] [--read-ios N] [--min-read-ios N]
                  [--min-write-ios N] [--min-sync-ios N] [--max-read-iops N]
                  [--job NAME:DIR=N ...] [--job-min NAME:DIR=N ...]

Every job must have error 0; the options are checked on every job (--job: the
job NAME's total_ios in DIR, read/write/trim, exactly N; --job-min: at least N). Prints one summary
line; exit status 1 with the reasons when a check fails.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--read-ios", type=int)
    ap.add_argument("--min-read-ios", type=int)
    ap.add_argument("--min-write-ios", type=int)
    ap.add_argument("--min-sync-ios", type=int)
    ap.add_argument("--max-read-iops", type=float)
    ap.add_argument("--job", action="append", default=[])
    ap.add_argument("--job-min", action="append", default=[])
    a = ap.parse_args()

    try:
        with open(a.file) as f:
            text = f.read()
        # fio may print a line before the JSON object.
        data = json.loads(text[text.index("{"):])
    except (OSError, ValueError) as e:
        print(f"{a.file}: not fio's JSON: {e}")
        return 1
    jobs = data.get("jobs", [])
    problems = []
    if a.jobs is not None and len(jobs) != a.jobs:
        problems.append(f"{len(jobs)} jobs in the output, {a.jobs} expected")
    summary = []
    for j in jobs:
        name = j.get("jobname", "?")
        r, w, t = (j[d]["total_ios"] for d in ("read", "write", "trim"))
        s = j.get("sync", {}).get("total_ios", 0)
        summary.append(f"{name} r={r} w={w} t={t} sync={s}")
        if j.get("error", 0) != 0:
            problems.append(f"{name}: error {j['error']}")
        if a.read_ios is not None and r != a.read_ios:
            problems.append(f"{name}: {r} reads, {a.read_ios} expected")
        if a.min_read_ios is not None and r < a.min_read_ios:
            problems.append(f"{name}: {r} reads, at least {a.min_read_ios} expected")
        if a.min_write_ios is not None and w < a.min_write_ios:
            problems.append(f"{name}: {w} writes, at least {a.min_write_ios} expected")
        if a.min_sync_ios is not None and s < a.min_sync_ios:
            problems.append(f"{name}: {s} flushes, at least {a.min_sync_ios} expected")
        if a.max_read_iops is not None and j["read"]["iops"] > a.max_read_iops:
            problems.append(f"{name}: {j['read']['iops']:.0f} read IOPS above "
                            f"the rate limit ({a.max_read_iops:.0f})")
    for spec, exact in [(s, True) for s in a.job] + [(s, False) for s in a.job_min]:
        name, _, want = spec.partition(":")
        ddir, _, n = want.partition("=")
        match = [j for j in jobs if j.get("jobname") == name]
        if not match:
            problems.append(f"no job {name}")
            continue
        got = match[0][ddir]["total_ios"]
        if (exact and got != int(n)) or got < int(n):
            problems.append(f"{name}: {got} {ddir}s, {'' if exact else 'at least '}{n} expected")
    if problems:
        print("; ".join(problems))
        return 1
    print(", ".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
