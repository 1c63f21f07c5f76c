#!/usr/bin/env python3
"""Sensitivity of Zero's ranking to its two constants, on the synthetic traces: the memory
tau = FILLS * capacity (Planner.MEMORY_FILLS, 12 in the product) and the per-request overhead
in the cost per byte (65536 bytes in file_rank; 0 = rank by decayed count alone).

Usage: sweep.py TRACE_DIR [--fractions 0.01,0.05,0.2] [--fills 1,3,12,48]
Prints a markdown table: per trace and capacity, LRU and Belady byte-hit, the byte-hit of the best
fixed set of files in hindsight (cache the most accessed files that fit, from the start; each
cached file still pays one fetch) -- the ceiling of a frequency ranking on a trace whose
popularity does not change -- then for each variant "hit / byte-hit (share of the LRU->Belady
byte-hit gap closed)".
"""
import argparse
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zero_policy  # noqa: E402

tracesim = zero_policy.import_tracesim()
def static_oracle(trace, cap):
    size, count = dict(trace), Counter(p for p, _ in trace)
    used = hit_bytes = 0
    for p, c in sorted(count.items(), key=lambda x: (-x[1], x[0])):
        if used + size[p] <= cap:
            used += size[p]; hit_bytes += (c - 1) * size[p]
    return hit_bytes


NAMES = ["zipf-0.9", "zipf-1.1", "shift", "scan", "drift", "rise", "uniform"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--fractions", default="0.01,0.05,0.2")
    ap.add_argument("--fills", default="1,3,12,48")
    a = ap.parse_args()
    fractions = [float(x) for x in a.fractions.split(",")]
    variants = [(float(f), 65536.0) for f in a.fills.split(",")] + [(12.0, 0.0)]
    head = [f"fills={f:g}" + ("" if r else ", no size term") for f, r in variants]
    print("| trace | capacity | LRU byte-hit | Belady byte-hit | fixed-set oracle byte-hit | " + " | ".join(head) + " |")
    print("|---|---|---|---|---|" + "---|" * len(variants))
    for name in NAMES:
        trace = tracesim.load(os.path.join(a.dir, name + ".trace.gz"))
        n, tb = len(trace), sum(s for _, s in trace)
        ws = sum(dict(trace).values())
        for fr in fractions:
            cap = int(ws * fr)
            l = tracesim.lru(trace, cap)[1] / tb
            b = tracesim.belady(trace, cap)[1] / tb
            o = static_oracle(trace, cap) / tb
            cells = []
            for fills, req in variants:
                zero_policy.REQUEST_BYTES = req
                h, hb, _ = zero_policy.zero(trace, cap, fills)
                g = (hb / tb - l) / (b - l) if b - l > 1e-9 else float("nan")
                cells.append(f"{h / n:.3f} / {hb / tb:.3f} ({g:.2f})")
            zero_policy.REQUEST_BYTES = 65536.0
            print(f"| {name} | {fr * 100:g}% | {l:.3f} | {b:.3f} | {o:.3f} ({(o - l) / (b - l):.2f}) | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
