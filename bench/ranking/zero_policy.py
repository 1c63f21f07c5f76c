#!/usr/bin/env python3
"""Zero's eviction ranking as a tracesim.py policy.

Mirrors the file_rank trigger of tiering-service/src/main/resources/db/migration/V3__planner.sql
and Planner.tau():

  clock    bytes evicted so far on the volume (the eviction clock)
  tau      12 * capacity (Planner.MEMORY_FILLS fills of the target)
  on a use (hit or restore) of a file:
      first use ever:  decayed = 1
      later uses:      decayed = decayed * exp(-(clock - clock_at) / tau) + 1
      clock_at = clock
      score    = clock + tau * ln(decayed * (1 + 65536 / size))
  evict the lowest stored score first.

The catalogue keeps a file's row (decayed, clock_at) while the file is evicted, so the history
survives eviction here too. Scores are recomputed only on use; since the clock term is common
to all files at any later instant, ordering by stored score equals ordering by
decayed-count-now * cost-per-byte (the LRFU construction).

A file is cached whole, a miss fetches it whole, a file larger than the capacity is fetched but
not cached, a size change is a miss -- exactly tracesim.py's conventions, so the numbers are
comparable. Returns (hits, hit_bytes, fetched_bytes) like tracesim's policies.

Usage: zero_policy.py TRACE CAPACITY_BYTES [CAPACITY_BYTES ...]
  prints the same lines as tracesim.py, for all tracesim policies plus policy=zero.
The tracesim module is found via $TRACESIM (path to tracesim.py) or <repo>/../shared/tools.
"""
import heapq
import math
import os
import sys
from pathlib import Path

MEMORY_FILLS = 12.0       # Planner.MEMORY_FILLS
REQUEST_BYTES = 65536.0   # fixed request overhead, in bytes, in the cost per byte


def import_tracesim():
    env = os.environ.get("TRACESIM")
    if env:
        sys.path.insert(0, str(Path(env).resolve().parent))
    else:
        # bench/ranking/zero_policy.py -> parents[2] is the repo, parents[3] holds shared/
        sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "tools"))
    import tracesim
    return tracesim


def zero(trace, cap, fills=MEMORY_FILLS):
    tau = fills * cap
    exp, log = math.exp, math.log
    decayed = {}   # path -> decayed use count as of clock_at (kept after eviction, like the row)
    clock_at = {}  # path -> clock at the last use
    cache = {}     # path -> (size, score) of cached files
    heap = []      # (score, seq, path); stale entries skipped on pop (lazy deletion)
    clock = 0.0
    used = hits = hit_bytes = fetched = seq = 0
    for path, size in trace:
        # the use: file_rank trigger
        d = decayed.get(path)
        if d is None:
            d = 1.0
        else:
            d = d * exp(-max(clock - clock_at[path], 0.0) / tau) + 1.0
        decayed[path] = d
        clock_at[path] = clock
        score = clock + tau * log(max(d, 1e-300) * (1.0 + REQUEST_BYTES / max(size, 1)))
        seq += 1
        c = cache.get(path)
        if c is not None and c[0] == size:
            hits += 1; hit_bytes += size
            cache[path] = (size, score)
            heapq.heappush(heap, (score, seq, path))
            continue
        if c is not None:              # changed size: the cached copy is useless
            used -= cache.pop(path)[0]
        fetched += size
        if size > cap:
            continue
        while used + size > cap:
            s, _, p = heapq.heappop(heap)
            e = cache.get(p)
            if e is not None and e[1] == s:
                del cache[p]
                used -= e[0]
                clock += e[0]          # the clock is the bytes evicted
        cache[path] = (size, score)
        used += size
        heapq.heappush(heap, (score, seq, path))
        if len(heap) > 4 * len(cache) + 1024:   # keep the heap from filling with stale entries
            heap = [(sc, i, p) for i, (p, (sz, sc)) in enumerate(cache.items())]
            heapq.heapify(heap)
    return hits, hit_bytes, fetched


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tracesim = import_tracesim()
    trace = tracesim.load(sys.argv[1])
    total = len(trace); total_bytes = sum(s for _, s in trace)
    unique = {}
    for p, s in trace:
        unique[p] = s
    print(f"trace: {total} accesses, {len(unique)} files, {sum(unique.values())} bytes distinct")
    policies = dict(tracesim.POLICIES, zero=zero)
    for cap in map(int, sys.argv[2:]):
        for name, fn in policies.items():
            h, hb, fetched = fn(trace, cap)
            print(f"capacity={cap} policy={name} hit_ratio={h/total:.4f} "
                  f"byte_hit_ratio={hb/max(total_bytes,1):.4f} restored_bytes={fetched}")


if __name__ == "__main__":
    main()
