#!/usr/bin/env python3
"""Deterministic synthetic file-access traces for the ranking benchmark.

Writes OUTDIR/<name>.trace.gz, one access a line, "PATH SIZE" (tracesim.py's format). Each
trace is seeded, so the same command writes byte-identical files (stdlib random only, gzip
header without name or time).

File sizes: lognormal, median 256 KiB, sigma 2 (ln), clipped to 4 KiB .. 200 MiB and rounded up
to 4 KiB; a file's size is independent of its popularity. Traces:

  zipf-0.9   Zipf(0.9) over 20000 files
  zipf-1.1   Zipf(1.1) over 20000 files
  shift      Zipf(1.0) over 20000 files; the popularity order is redrawn every 50000 accesses
             (the hot set moves abruptly)
  scan       Zipf(0.9) over 10000 hot files, and every 30000 accesses a one-pass scan over the
             next 4000 files of a 40000-file cold pool (each cold file is read once: LRU's killer)
  drift      Zipf(0.9) over 20000 files, ranked by a latent value that follows an AR(1) walk
             each 1000 accesses (correlation 0.99 per step): popularity drifts slowly
  rise       2000 files at start, 60 new ones every 1000 accesses; Zipf(1.0) over the files
             ranked newest first (with noise in the birth time): new files become the hot ones
  uniform    uniform over 20000 files

Usage: gen_traces.py OUTDIR [--accesses N] [--only NAME,NAME]
"""
import argparse
import gzip
import math
import os
import random

KIB, MIB = 1024, 1024 * 1024


def sizes(rng, n):
    out = []
    for _ in range(n):
        s = rng.lognormvariate(math.log(256 * KIB), 2.0)
        s = min(max(s, 4 * KIB), 200 * MIB)
        out.append(int(math.ceil(s / 4096)) * 4096)
    return out


def zipf_cum(n, alpha):
    cum, acc = [], 0.0
    for r in range(1, n + 1):
        acc += r ** -alpha
        cum.append(acc)
    return cum


def by_rank(rng, cum, files, k):
    """k accesses: draw ranks from the Zipf cumulative weights, map rank -> file."""
    return [files[r] for r in rng.choices(range(len(files)), cum_weights=cum, k=k)]


def t_zipf(rng, n_acc, alpha, n=20000):
    size = sizes(rng, n)
    files = list(range(n)); rng.shuffle(files)     # popularity independent of size
    cum = zipf_cum(n, alpha)
    return [(f, size[f]) for f in by_rank(rng, cum, files, n_acc)]


def t_shift(rng, n_acc, n=20000, alpha=1.0, phase=50000):
    size = sizes(rng, n)
    cum = zipf_cum(n, alpha)
    out, files = [], list(range(n))
    while len(out) < n_acc:
        rng.shuffle(files)
        out += [(f, size[f]) for f in by_rank(rng, cum, files, min(phase, n_acc - len(out)))]
    return out


def t_scan(rng, n_acc, hot=10000, cold=40000, alpha=0.9, every=30000, length=4000):
    size = sizes(rng, hot + cold)
    files = list(range(hot)); rng.shuffle(files)
    cum = zipf_cum(hot, alpha)
    out, next_cold = [], hot
    while len(out) < n_acc:
        out += [(f, size[f]) for f in by_rank(rng, cum, files, min(every, n_acc - len(out)))]
        for _ in range(min(length, n_acc - len(out))):
            out.append((next_cold, size[next_cold]))
            next_cold = hot + (next_cold - hot + 1) % cold
    return out


def t_drift(rng, n_acc, n=20000, alpha=0.9, step=1000, rho=0.99):
    size = sizes(rng, n)
    cum = zipf_cum(n, alpha)
    latent = [rng.gauss(0, 1) for _ in range(n)]
    noise = math.sqrt(1 - rho * rho)
    out = []
    while len(out) < n_acc:
        files = sorted(range(n), key=lambda f: -latent[f])   # rank 0 = highest latent value
        out += [(f, size[f]) for f in by_rank(rng, cum, files, min(step, n_acc - len(out)))]
        latent = [rho * x + noise * rng.gauss(0, 1) for x in latent]
    return out


def t_rise(rng, n_acc, initial=2000, per_step=60, step=1000, alpha=1.0, jitter=5.0):
    total = initial + per_step * (n_acc // step + 1)
    size = sizes(rng, total)
    # a file's "apparent birth" (in steps): its birth plus noise, so the newest are not strictly
    # the hottest; rank files newest apparent birth first
    born = [0.0] * initial + [1 + i // per_step for i in range(total - initial)]
    apparent = [b + rng.gauss(0, jitter) for b in born]
    out, alive, cum = [], initial, None
    while len(out) < n_acc:
        files = sorted(range(alive), key=lambda f: -apparent[f])
        cum = zipf_cum(alive, alpha)
        out += [(f, size[f]) for f in by_rank(rng, cum, files, min(step, n_acc - len(out)))]
        alive = min(alive + per_step, total)
    return out


def t_uniform(rng, n_acc, n=20000):
    size = sizes(rng, n)
    return [(f, size[f]) for f in (rng.randrange(n) for _ in range(n_acc))]


TRACES = {
    "zipf-0.9": (1, lambda r, k: t_zipf(r, k, 0.9)),
    "zipf-1.1": (2, lambda r, k: t_zipf(r, k, 1.1)),
    "shift": (3, t_shift),
    "scan": (4, t_scan),
    "drift": (5, t_drift),
    "rise": (6, t_rise),
    "uniform": (7, t_uniform),
}


def write(path, trace):
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
        f.write("".join(f"/s/f{p} {s}\n" for p, s in trace).encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--accesses", type=int, default=300000)
    ap.add_argument("--only", default="", help="comma-separated trace names")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    names = [n for n in TRACES if not a.only or n in a.only.split(",")]
    for name in names:
        seed, gen = TRACES[name]
        trace = gen(random.Random(seed), a.accesses)
        write(os.path.join(a.outdir, name + ".trace.gz"), trace)
        distinct = {}
        for p, s in trace:
            distinct[p] = s
        print(f"{name}: {len(trace)} accesses, {len(distinct)} files, "
              f"{sum(distinct.values()) / 1e9:.1f} GB distinct, "
              f"{sum(s for _, s in trace) / 1e9:.1f} GB accessed")


if __name__ == "__main__":
    main()
