#!/usr/bin/python3
"""Reference side of the `vector-index` bench: numpy brute force (exact) and hnswlib (approximate)
on the vectors and queries the C# bench wrote, plus recall@k of all three against numpy's exact
top-k. Run with Debian's interpreter (/usr/bin/python3: python3-numpy, python3-hnswlib).

Files (written by `Pipeline.Bench vector-index`): <dir>/vectors.f32 and <dir>/queries.f32 hold
int32 n, int32 dim, then n*dim float32 unit rows; <dir>/embedded_topk.i32 holds int32 nq, int32 k,
then the C# index's top-k row numbers.
"""
import argparse
import json
import os
import time

import numpy as np


def read_matrix(path, dtype=np.float32):
    header = np.fromfile(path, dtype=np.int32, count=2)
    n, d = int(header[0]), int(header[1])
    return np.memmap(path, dtype=dtype, mode="r", offset=8, shape=(n, d))


def exact_topk(base, queries, k, batch):
    """Exact top-k by inner product (rows are unit: cosine); returns ids and per-batch seconds."""
    ids = np.empty((len(queries), k), dtype=np.int64)
    seconds = []
    for s in range(0, len(queries), batch):
        q = np.ascontiguousarray(queries[s:s + batch])
        t = time.perf_counter()
        scores = q @ base.T
        part = np.argpartition(scores, -k, axis=1)[:, -k:]
        order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1)
        ids[s:s + batch] = np.take_along_axis(part, order, axis=1)
        seconds.append((time.perf_counter() - t, len(q)))
    return ids, seconds


def recall(found, truth):
    k = truth.shape[1]
    return float(np.mean([len(set(f[:k]) & set(t)) / k for f, t in zip(found, truth)]))


def per_query_ms(seconds):
    per = np.concatenate([np.full(n, 1000 * s / n) for s, n in seconds])
    return np.percentile(per, 50), np.percentile(per, 99), sum(n for _, n in seconds) / sum(s for s, _ in seconds)


def single_ms(search, queries):
    """p50 and p99 of one query at a time, as an online search sees it."""
    times = []
    for q in queries:
        t = time.perf_counter()
        search(q[None, :])
        times.append(1000 * (time.perf_counter() - t))
    return np.percentile(times, 50), np.percentile(times, 99)


def build_hnsw(base, n_h, seconds, args):
    """hnswlib on the first n_h rows, or on as many as it adds in `seconds` (0: no limit); returns the index and its rows."""
    import hnswlib
    index = hnswlib.Index(space="ip", dim=base.shape[1])
    index.init_index(max_elements=n_h, M=args.hnsw_m, ef_construction=args.hnsw_ef_construction, random_seed=1)
    index.set_num_threads(args.threads)
    t = time.perf_counter()
    step = 5_000 if seconds else 50_000
    added = 0
    while added < n_h and not (seconds and time.perf_counter() - t > seconds):
        end = min(added + step, n_h)
        index.add_items(base[added:end], np.arange(added, end))
        added = end
        print(f"  hnswlib built {added}/{n_h} in {time.perf_counter() - t:.0f} s", flush=True)
    index.set_ef(args.hnsw_ef)
    return index, added, time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default="/tmp/vindex-bench")
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--hnsw-n", type=int, default=200_000, help="rows hnswlib indexes (build time grows fast; 0: no hnswlib)")
    ap.add_argument("--hnsw-seconds", type=float, default=0, help="stop adding rows to hnswlib after this long (0: no limit)")
    ap.add_argument("--hnsw-m", type=int, default=16)
    ap.add_argument("--hnsw-ef-construction", type=int, default=200)
    ap.add_argument("--hnsw-ef", type=int, default=100)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--numpy-queries", type=int, default=0, help="time numpy on only this many queries (0: all)")
    ap.add_argument("--singles", type=int, default=50, help="single queries timed one at a time")
    ap.add_argument("--repeat", type=int, default=1, help="times each measurement is repeated")
    ap.add_argument("--json", help="write every repeat's figures here, keys numpy.* and hnswlib.*")
    args = ap.parse_args()
    k = args.top
    figures = {}

    def add(key, value):
        figures.setdefault(key, []).append(float(value))

    base = read_matrix(os.path.join(args.dir, "vectors.f32"))
    queries = np.array(read_matrix(os.path.join(args.dir, "queries.f32")))
    print(f"reference: n={base.shape[0]} dim={base.shape[1]} queries={len(queries)} k={k} threads={args.threads}")
    t = time.perf_counter()
    base = np.array(base)  # into RAM, as the C# index holds it
    load_s = time.perf_counter() - t
    add("numpy.load_s", load_s)

    nq = args.numpy_queries or len(queries)
    singles = queries[:min(args.singles, nq)]
    for r in range(args.repeat):
        truth, np_seconds = exact_topk(base, queries[:nq], k, args.batch)
        p50, p99, qps = per_query_ms(np_seconds)
        add("numpy.batched.p50_ms", p50), add("numpy.batched.p99_ms", p99), add("numpy.batched.qps", qps)
        s50, s99 = single_ms(lambda q: exact_topk(base, q, k, 1), singles)
        add("numpy.single.p50_ms", s50), add("numpy.single.p99_ms", s99)
    rows = [("numpy brute force (exact, full set)", f"load {load_s:.1f} s", p50, p99, qps, 1.0)]

    embedded_path = os.path.join(args.dir, "embedded_topk.i32")
    if os.path.exists(embedded_path):
        embedded = np.array(read_matrix(embedded_path, np.int32))[:nq]
        add("numpy.recall_of_embedded", recall(embedded, truth))
        rows.append(("embedded C# (exact, full set): recall only, latency above", "", None, None, None, recall(embedded, truth)))

    n_h = min(args.hnsw_n, base.shape[0])
    try:
        import hnswlib  # noqa: F401 (Debian's python3-hnswlib)
    except ImportError as e:
        figures["hnswlib.error"] = f"{e} (apt-get install python3-hnswlib)"
        print(figures["hnswlib.error"])
        n_h = 0
    if n_h > 0:
        index, n_h, build_s = build_hnsw(base, n_h, args.hnsw_seconds, args)
        truth_sub, _ = exact_topk(base[:n_h], queries[:nq], k, args.batch)
        add("hnswlib.rows", n_h), add("hnswlib.build_s", build_s)
        for r in range(args.repeat):
            h_seconds = []
            found = np.empty((nq, k), dtype=np.int64)
            for s in range(0, nq, args.batch):
                q = queries[s:s + args.batch]
                t = time.perf_counter()
                labels, _ = index.knn_query(q, k=k)
                h_seconds.append((time.perf_counter() - t, len(q)))
                found[s:s + len(q)] = labels
            hp50, hp99, hqps = per_query_ms(h_seconds)
            add("hnswlib.batched.p50_ms", hp50), add("hnswlib.batched.p99_ms", hp99), add("hnswlib.batched.qps", hqps)
            s50, s99 = single_ms(lambda q: index.knn_query(q, k=k), singles)
            add("hnswlib.single.p50_ms", s50), add("hnswlib.single.p99_ms", s99)
        add("hnswlib.recall", recall(found, truth_sub))
        label = f"hnswlib M={args.hnsw_m} efC={args.hnsw_ef_construction} ef={args.hnsw_ef} (first {n_h} rows)"
        rows.append((label, f"build {build_s:.0f} s", hp50, hp99, hqps, recall(found, truth_sub)))

    print()
    print(f"| method | build/load | per-query p50 (ms) | p99 (ms) | queries/s | recall@{k} |")
    print("|---|---|---|---|---|---|")
    for name, prep, a, b, c, r in rows:
        fmt = (lambda v, f: "" if v is None else format(v, f))
        print(f"| {name} | {prep} | {fmt(a, '.2f')} | {fmt(b, '.2f')} | {fmt(c, '.1f')} | {r:.4f} |")
    print(f"\nlast repeat: numpy single-query p50 {figures['numpy.single.p50_ms'][-1]:.2f} ms; numpy timed on {nq} queries in batches of {args.batch}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
