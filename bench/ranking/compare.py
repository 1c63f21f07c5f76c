#!/usr/bin/env python3
"""Run every tracesim.py policy plus Zero's ranking over traces at capacities given as fractions
of each trace's working set (distinct bytes) and/or absolute bytes; print markdown tables.

Usage: compare.py [--fractions 0.01,0.05,0.2] [--extra LABEL=BYTES ...] [LABEL=]TRACE ...
  A trace is labelled by its file name without .trace.gz unless given as LABEL=PATH;
  --extra LABEL=BYTES adds that absolute capacity for that trace.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zero_policy  # noqa: E402

tracesim = zero_policy.import_tracesim()

MAIN = ["lru", "zero", "belady", "lfuda", "gdsf"]
LABEL = {"lru": "LRU", "zero": "Zero", "belady": "Belady", "lfuda": "LFUDA", "gdsf": "GDSF",
         "lru2": "LRU-2", "s3fifo": "S3-FIFO"}


def human(b):
    for unit, f in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if b >= f:
            return f"{b / f:.3g} {unit}"
    return f"{b} B"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("traces", nargs="+")
    ap.add_argument("--fractions", default="0.01,0.05,0.2")
    ap.add_argument("--extra", action="append", default=[])
    a = ap.parse_args()
    fractions = [float(x) for x in a.fractions.split(",") if x]
    extra = {}
    for e in a.extra:
        name, b = e.rsplit("=", 1)
        extra.setdefault(name, []).append(int(b))
    policies = dict(tracesim.POLICIES, zero=zero_policy.zero)
    others = [p for p in policies if p not in MAIN]
    rows, started = [], time.process_time()
    for arg in a.traces:
        name, _, path = arg.rpartition("=")
        name = name or os.path.basename(path).replace(".gz", "").replace(".trace", "")
        trace = tracesim.load(path)
        n, total_bytes = len(trace), sum(s for _, s in trace)
        distinct = {}
        for p, s in trace:
            distinct[p] = s
        ws = sum(distinct.values())
        print(f"{name}: {n} accesses, {len(distinct)} files, working set {ws} bytes, "
              f"{total_bytes} bytes accessed", file=sys.stderr)
        caps = [(f"{f * 100:g}% = {human(int(ws * f))}", int(ws * f)) for f in fractions]
        caps += [(human(b), b) for b in extra.get(name, [])]
        caps.sort(key=lambda c: c[1])
        for label, cap in caps:
            r = {}
            for pname, fn in policies.items():
                t0 = time.process_time()
                h, hb, fetched = fn(trace, cap)
                r[pname] = (h / n, hb / max(total_bytes, 1), fetched)
                print(f"  capacity={cap} policy={pname} hit_ratio={h / n:.4f} "
                      f"byte_hit_ratio={hb / max(total_bytes, 1):.4f} restored_bytes={fetched} "
                      f"cpu={time.process_time() - t0:.1f}s", file=sys.stderr)
            rows.append((name, label, r))
    fmt = lambda v: f"{v[0]:.3f} / {v[1]:.3f}"
    print("Each policy cell: hit ratio / byte-hit ratio.\n")
    print("| trace | capacity | " + " | ".join(LABEL[p] for p in MAIN)
          + " | beats LRU on both | closes ≥ ½ LRU→Belady byte-hit gap |")
    print("|---|---|" + "---|" * len(MAIN) + "---|---|")
    beats = closes = 0
    for name, label, r in rows:
        z, l, b = r["zero"], r["lru"], r["belady"]
        both = z[0] > l[0] and z[1] > l[1]
        gap = b[1] - l[1]
        if gap > 1e-9:
            g = (z[1] - l[1]) / gap
            gs = f"{'yes' if g >= 0.5 else 'no'} ({g:.3f})"
            closes += g >= 0.5
        else:
            gs = "n/a (no gap)"
        beats += both
        print(f"| {name} | {label} | " + " | ".join(fmt(r[p]) for p in MAIN)
              + f" | {'yes' if both else 'no'} | {gs} |")
    print(f"\nZero beats LRU on both ratios in {beats}/{len(rows)} cells; "
          f"closes at least half the byte-hit gap in {closes}/{len(rows)}.\n")
    print("Other tracesim policies, same cells:\n")
    print("| trace | capacity | " + " | ".join(LABEL.get(p, p) for p in others) + " |")
    print("|---|---|" + "---|" * len(others))
    for name, label, r in rows:
        print(f"| {name} | {label} | " + " | ".join(fmt(r[p]) for p in others) + " |")
    print(f"\nSimulation CPU time: {time.process_time() - started:.0f} s.", file=sys.stderr)


if __name__ == "__main__":
    main()
