#!/usr/bin/env python3
"""Ping-pong across backends: a table of medians and a plot.

Usage: benches/pingpong_report.py [--rounds R] [--iterations I] [--plot FILE|'']
       [--backends B,B] [--sizes N,N] [--active A,A] [--base B] [--before RUNNER]

Builds the pingpong runner (release) and runs it for every backend of this
build (as `pingpong --list` prints them: the ae backends (evport, epoll,
kqueue, select, poll, those this build has), `any` (AnyPoller on the best),
mio, raw-epoll) at n = 100, 1000, 5000 pairs,
a = 1 and 100 active, w = n writes. Backends take turns (A B C ... then the
same again, R rounds), each run I iterations; a cell is the median of all
iterations of all rounds. Prints a markdown table of setup and run medians
in microseconds with the ratios to raw epoll, and writes a PNG plot of run
time per backend against n (a = 100) when matplotlib is installed
(pip install matplotlib).

--before RUNNER takes a pingpong binary built from an earlier commit (say in
a `git worktree` of it, `cargo build --release -p ae-benches --bin pingpong`):
each ae backend then also runs on it, as `NAME@before`, taking its turn beside
the current build's, so a change is measured against the code before it in
one run.

With libkqueue: LIBKQUEUE_DIR=... LD_LIBRARY_PATH=.../lib and --features.
"""

import argparse
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "target", "release", "pingpong")
SIZES = [100, 1000, 5000]
ACTIVE = [1, 100]


def run(runner, backend, n, a, iterations):
    """(setups, runs) in µs, or None when the backend cannot run it."""
    p = subprocess.run([runner, "--backend", backend, "-n", str(n), "-a", str(a),
                        "-w", str(n), "-i", str(iterations)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip()
    rows = [tuple(map(float, line.split())) for line in p.stdout.splitlines()]
    # The first iteration registers from scratch (no delete): leave it out.
    rows = rows[1:]
    return ([r[0] for r in rows], [r[1] for r in rows]), None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=25)
    ap.add_argument("--plot", default=os.path.join(ROOT, "benches", "pingpong.png"))
    ap.add_argument("--features", default="")
    ap.add_argument("--backends", default="",
                    help="comma-separated subset of `pingpong --list` (default: all)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="values of n")
    ap.add_argument("--active", default=",".join(map(str, ACTIVE)), help="values of a")
    ap.add_argument("--base", default="raw-epoll", help="the backend ratios are taken to")
    ap.add_argument("--before", default="",
                    help="a pingpong runner of an earlier build: its ae backends run as NAME@before")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    actives = [int(x) for x in args.active.split(",")]
    build = ["cargo", "build", "--release", "-q", "-p", "ae-benches", "--bin", "pingpong"]
    if args.features:
        build += ["--features", args.features]
    subprocess.run(build, cwd=ROOT, check=True)
    backends_all = subprocess.run([RUNNER, "--list"], check=True, capture_output=True,
                                  text=True).stdout.split()
    if args.backends:
        wanted = args.backends.split(",")
        backends_all = [b for b in backends_all if b in wanted]
    # (label, runner, backend): the current build's, then the earlier one's.
    entries = [(b, RUNNER, b) for b in backends_all]
    if args.before:
        entries += [(f"{b}@before", args.before, b) for b in backends_all
                    if b not in ("mio", "raw-epoll")]
    backends_all = [e[0] for e in entries]

    samples = {}  # (backend, n, a) -> (setups, runs)
    skipped = {}
    for r in range(args.rounds):
        for n in sizes:
            for a in actives:
                order = entries if r % 2 == 0 else entries[::-1]
                for b, runner, backend in order:
                    got, why = run(runner, backend, n, a, args.iterations)
                    if got is None:
                        skipped[b, n] = why
                        continue
                    s, t = samples.setdefault((b, n, a), ([], []))
                    s.extend(got[0])
                    t.extend(got[1])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    backends = [b for b in backends_all if any(k[0] == b for k in samples)]
    med = {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in samples.items()}
    print(f"ping-pong, medians of {args.rounds} rounds x {args.iterations - 1} iterations, µs")
    print("| n | a | " + " | ".join(f"{b} setup | {b} run" for b in backends) + " |")
    print("|---|---|" + "---|---|" * len(backends))
    for n in sizes:
        for a in actives:
            cells = []
            for b in backends:
                if (b, n, a) in med:
                    cells.append(f"{med[b, n, a][0]:,.0f} | {med[b, n, a][1]:,.0f}")
                else:
                    cells.append("– | –")
            print(f"| {n} | {a} | " + " | ".join(cells) + " |")
    if args.base in backends:
        print(f"\nratios to {args.base} (setup, run):")
        for n in sizes:
            for a in actives:
                base = med.get((args.base, n, a))
                parts = []
                for b in backends:
                    if b != args.base and (b, n, a) in med:
                        m = med[b, n, a]
                        parts.append(f"{b} {m[0] / base[0]:.2f} {m[1] / base[1]:.2f}")
                print(f"  n={n} a={a}: " + ", ".join(parts))
    for (b, n), why in sorted(skipped.items()):
        print(f"not run: {b} n={n}: {why}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)", file=sys.stderr)
        return
    if not args.plot:
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for b in backends:
        xs = [n for n in sizes if (b, n, 100) in med]
        label = "kqueue (libkqueue)" if b == "kqueue" and sys.platform.startswith("linux") else b
        ax.plot(xs, [med[b, n, 100][1] for n in xs], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("socketpairs (n), a = 100 active, w = n writes")
    ax.set_ylabel("run time per iteration, µs (median)")
    ax.set_title("ping-pong run time by backend")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.plot, dpi=110)
    print(f"\nplot: {os.path.relpath(args.plot, ROOT)}")


if __name__ == "__main__":
    main()
