#!/usr/bin/env python3
"""Replays a file-access trace through a real Zero mount under a disk target and reports what
the user felt: hit ratio (opens that found the file on the host), byte-hit ratio, bytes
restored from the object store and store calls.

Run by bench/trace-replay.sh, which starts Zero for each ranking; this script talks to one
running instance (eval "$(./zero env)" first) and prints one JSON line of results.

Trace format: "PATH SIZE" per access, as ../shared/tools/tracesim.py reads it. Sizes are
divided by --scale (a trace of terabytes becomes one this machine replays in minutes; the
target given is in the scaled units already). A hit is decided from the backing file before
the open: its allocated blocks cover its size (an evicted file is a hole).
"""
import argparse, gzip, json, os, re, sys, time, urllib.request


def load(path, limit):
    trace = []
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                trace.append((parts[0].lstrip("/"), int(parts[1])))
                if limit and len(trace) >= limit:
                    break
    return trace


def http(url, token=None, accept="application/json"):
    request = urllib.request.Request(url, headers={"Accept": accept})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read().decode()


def metric_sum(text, name, **labels):
    """Sum of a Prometheus counter's samples whose labels include the given ones."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r'([a-zA-Z_:]+)(\{([^}]*)\})?\s+([0-9.eE+-]+)', line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(4))
    return total


class Zero:
    def __init__(self):
        self.url = os.environ["ZERO_URL"]
        self.admin = os.environ["ZERO_ADMIN_TOKEN"]
        self.agent = os.environ["ZERO_AGENT_URL"]
        self.mount = os.environ["ZERO_MOUNTPOINT"]
        self.backing = os.environ["ZERO_BACKING_DIR"]
        self.volume = os.environ["ZERO_VOLUME"]

    def status(self):
        return json.loads(http(f"{self.url}/api/v1/admin/volumes/{self.volume}/status", self.admin))

    def store_calls(self):
        return metric_sum(http(f"{self.url}/q/metrics", accept="text/plain"), "zero_store_calls_total")

    def agent_status(self):
        return json.loads(http(f"{self.agent}/agent/v1/status"))["cache"]


def settle(zero, target, timeout):
    """Waits until every file has a stored copy and the host is back under its target."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = zero.status()
        local = sum(t["files"] for t in s["states"] if t["state"] in ("LOCAL", "UPLOADING"))
        if local == 0 and s["cacheBytes"] <= target:
            return s
        time.sleep(1)
    sys.exit(f"trace_replay: the volume did not settle under {target} bytes within {timeout}s: {zero.status()}")


def table(lines, trace, scale):
    rows = [json.loads(l) for l in lines if l.strip()]
    r = rows[0]
    print(f"trace {trace}: {r['accesses']} accesses of {r['files']} files ({r['fileBytes'] / 1e6:.1f} MB), "
          f"target {r['targetBytes'] / 1e6:.1f} MB, sizes / {scale}")
    print(f"{'ranking':<8} {'hit ratio':>9} {'byte hit':>9} {'restores':>9} {'restored MB':>12} {'store calls':>12} "
          f"{'peak used MB':>13} {'seconds':>8}")
    for r in rows:
        print(f"{r['label']:<8} {r['hitRatio']:>9.3f} {r['byteHitRatio']:>9.3f} {r['restores']:>9} "
              f"{r['restoredBytes'] / 1e6:>12.1f} {r['storeCalls']:>12} {r['peakUsedBytes'] / 1e6:>13.1f} {r['seconds']:>8}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--table":
        table(sys.stdin, sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser()
    p.add_argument("trace")
    p.add_argument("--target", type=int, required=True, help="disk target in bytes (scaled units)")
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--accesses", type=int, default=0, help="replay only the first N accesses")
    p.add_argument("--label", default="")
    args = p.parse_args()

    zero = Zero()
    trace = [(path, max(1, size // args.scale)) for path, size in load(args.trace, args.accesses)]
    sizes = {}
    for path, size in trace:
        sizes.setdefault(path, size)  # a file keeps its first size: the replay reads, never rewrites

    # The files, written once through the mount; the planner uploads and evicts down to the target.
    block = os.urandom(1 << 20)
    for path, size in sizes.items():
        full = os.path.join(zero.mount, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            left = size
            while left:
                n = min(left, len(block))
                f.write(block[:n])
                left -= n
            # distinct content per file, so no two objects could be deduplicated
            f.seek(0)
            f.write(path.encode()[:size])
    settle(zero, args.target, 600)

    calls0, agent0 = zero.store_calls(), zero.agent_status()
    hits = hit_bytes = total_bytes = 0
    peak = 0
    started = time.time()
    for i, (path, _) in enumerate(trace):
        size = sizes[path]
        st = os.stat(os.path.join(zero.backing, path))
        if st.st_blocks * 512 >= size:
            hits += 1
            hit_bytes += size
        total_bytes += size
        with open(os.path.join(zero.mount, path), "rb") as f:
            while f.read(1 << 20):
                pass
        if i % 200 == 0:
            peak = max(peak, zero.agent_status().get("usedBytes", 0))
    elapsed = time.time() - started
    time.sleep(3)
    calls1, agent1 = zero.store_calls(), zero.agent_status()
    print(json.dumps({
        "label": args.label,
        "accesses": len(trace),
        "files": len(sizes),
        "fileBytes": sum(sizes.values()),
        "targetBytes": args.target,
        "hitRatio": hits / len(trace),
        "byteHitRatio": hit_bytes / total_bytes,
        "restores": agent1["restores"] - agent0["restores"],
        "restoredBytes": agent1["restoredBytes"] - agent0["restoredBytes"],
        "storeCalls": int(calls1 - calls0),
        "peakUsedBytes": peak,
        "seconds": round(elapsed, 1),
    }))


if __name__ == "__main__":
    main()
