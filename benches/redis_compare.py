#!/usr/bin/env python3
"""ae-demo beside redis-server, driven by redis-benchmark.

Usage:
  benches/redis_compare.py [throughput] [--rounds N] [--requests N] [--datasize SIZES | --types] [--ae-demo BIN]
  benches/redis_compare.py syscalls [--requests N] [--datasize SIZES [--pipeline N]]
  benches/redis_compare.py instructions [--types] [--requests N]
  benches/redis_compare.py memory [--clients N] [--keys N]
  benches/redis_compare.py bgsave [--keys N] [--rounds N] [--requests N]

throughput: starts ae-demo (release build) and redis-server (when installed)
on free loopback ports and runs redis-benchmark -c 50 against each in turn
(A B A B ...), PING_INLINE, PING_MBULK, SET, GET at -P 1 and -P 16, several
rounds; prints per row the medians, the ratio ae-demo / redis-server of the
medians, the range of the rounds' own ratios (each round runs the two back
to back, so the range shows how far one row moves between runs), and the
geometric mean of the ratios. With --datasize (sizes in bytes, a k or m
suffix meaning 1000 or 1000000, comma-separated: `--datasize 10k,100k,1m`)
it runs SET and GET only, with values of each size (redis-benchmark -d),
and scales the requests per test down so each moves about --megabytes of
values (at least 5 per connection and pipeline slot). Beside throughput it reports the server's
CPU time per request (user + system, from /proc): on a 2-core machine the
single-threaded redis-benchmark is often the bottleneck, and CPU per request
is what the server itself costs. (Pinning the two to separate CPUs halves
both servers' throughput on the VMs tried, so the scheduler places them.)

syscalls: counts each server's syscalls during a -P 1 run and divides by the
requests made, twice: with strace -c (which names the calls, but slows the
server so that more requests gather per epoll_wait) and, where perf works,
with perf's raw_syscalls:sys_enter tracepoint (nearly free, so the count is
the untraced one).

With --datasize, syscalls counts SET and GET at each value size instead
(strace -c only), per call: reads, writes, epoll_wait, epoll_ctl (WRITABLE
installs), brk and mmap (the allocator's heap churn).

instructions: runs each server under valgrind's callgrind and counts the
user-space instructions it executes per request of each row (-P 1 and
-P 16; --types for the data-type rows), its counters zeroed before and
dumped after each test through callgrind_control. A count, not a time: it
repeats whatever else the machine does, so it shows a difference the noisy
throughput rows cannot. The kernel's part is not in it; syscalls shows the
two make the same calls per request.

memory: connects N idle clients and reports the growth of each server's
resident memory (VmRSS) per client; then, each server started afresh for
each, fills it with --keys string keys (DEBUG POPULATE) or one list, set,
hash or sorted set of --keys 16-byte members, and reports the growth of
used_memory and of VmRSS per key or element.

bgsave: fills each server with --keys keys (DEBUG POPULATE, default 1M),
then runs redis-benchmark GET -c 50 twice: once quiet, once while a BGSAVE
starts every --save-every seconds (default 1.5, when none runs: both fork
as often); prints per server the medians over the rounds of the
p50/p99/max latency of each, the saves done, the median fork stall
(latest_fork_usec), and the ratio ae-demo / redis-server of the p99
during saves.

The machine is small and shared: compare numbers from one run only.
"""

import argparse
import math
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AE_DEMO = os.path.join(ROOT, "target", "release", "ae-demo")
# Replaced by --ae-demo (a binary built elsewhere, say before a change).
AE_DEMO_BIN = [AE_DEMO]
TESTS = ["PING_INLINE", "PING_MBULK", "SET", "GET"]
# --types: the data-type rows (redis-benchmark's own test names; LRANGE_N
# after the LPUSH that "-t lrange" runs first, to fill the list).
TYPE_TESTS = ["LPUSH", "LPOP", "SADD", "HSET", "ZADD", "LRANGE_100", "LRANGE_600", "MSET"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit(f"server on port {port} did not start")


# Each server's --dir: no save schedules run, but BGSAVE (mode bgsave) writes.
WORK_DIR = tempfile.mkdtemp(prefix="redis-compare-")


def start(name, extra=(), wrapper=(), timeout=10.0):
    port = free_port()
    # The same flags for both: no save schedules, snapshots in a temp dir.
    common = ["--port", str(port), "--save", "", "--appendonly", "no",
              "--dir", WORK_DIR, "--dbfilename", f"{name}-{port}.rdb"]
    if name == "ae-demo":
        cmd = [*wrapper, AE_DEMO_BIN[0], *common, *extra]
    else:
        cmd = [*wrapper, "redis-server", "--bind", "127.0.0.1", *common, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc, timeout)
    return proc, port


def servers():
    names = ["ae-demo"]
    if shutil.which("redis-server"):
        names.append("redis-server")
    else:
        print("redis-server is not installed: measuring ae-demo alone", file=sys.stderr)
    return names


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_size(text):
    """`10000`, `10k` (10 000) or `1m` (1 000 000) bytes."""
    text = text.strip().lower()
    scale = {"k": 1000, "m": 1000_000}.get(text[-1:], 1)
    return int(text[:-1] if scale > 1 else text) * scale


def size_label(size):
    for unit, scale in (("MB", 1000_000), ("KB", 1000)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


# redis-benchmark's "ping" runs PING_INLINE and PING_MBULK.
SMALL_GROUPS = ("ping", "set", "get")
# redis-benchmark's "lrange" runs LPUSH, then LRANGE_100, _300, _500, _600.
TYPE_GROUPS = ("lpush", "lpop", "sadd", "hset", "zadd", "lrange", "mset")
# GET after SET, so it reads a value of the size just set.
LARGE_GROUPS = ("set", "get")


def bench(proc, port, pipeline, requests, groups=SMALL_GROUPS, datasize=None):
    """Runs each test alone; returns {test: (requests/s, server CPU µs per request)}.

    redis-benchmark prints a test's CSV line as the test ends, so reading the
    lines as they come (line-buffered through stdbuf) and sampling the
    server's CPU time at each one gives each test its own CPU, even where one
    -t group runs several ("lrange" runs LPUSH, then LRANGE_100 ... _600)."""
    result = {}
    size = [] if datasize is None else ["-d", str(datasize)]
    for group in groups:
        cmd = ["stdbuf", "-oL", "redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests),
               "-P", str(pipeline), "-t", group, *size, "--csv"]
        before = cpu_seconds(proc.pid)
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as bench_proc:
            for line in bench_proc.stdout:
                now = cpu_seconds(proc.pid)
                fields = [f.strip('"') for f in line.strip().split(",")]
                # "LRANGE_100 (first 100 elements)" is the row LRANGE_100.
                name = fields[0].split(" ")[0] if fields else ""
                if len(fields) < 2 or not fields[1].replace(".", "").isdigit():
                    continue  # the CSV header
                cpu_per_request = (now - before) * 1e6 / requests
                before = now
                if name in TESTS + TYPE_TESTS and not (group == "lrange" and name == "LPUSH"):
                    result[name] = (float(fields[1]), cpu_per_request)
        if bench_proc.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed with status {bench_proc.returncode}")
    return result


def requests_for(args, pipeline, datasize):
    """Requests per test: --requests (x10 when pipelined) for small values;
    for large ones about --megabytes of values, at least 5 per slot."""
    n = args.requests * (10 if pipeline > 1 else 1)
    if datasize is None:
        return n
    by_bytes = args.megabytes * 1000_000 // datasize
    return max(min(n, by_bytes), 50 * pipeline * 5)


def throughput(args):
    names = servers()
    procs = {n: start(n) for n in names}
    # Rows: (test, datasize or None); datasize mode runs SET and GET only.
    sizes = args.datasize or [None]
    groups = LARGE_GROUPS if args.datasize else TYPE_GROUPS if args.types else SMALL_GROUPS
    tests = ["SET", "GET"] if args.datasize else TYPE_TESTS if args.types else TESTS
    results = {}  # (name, test, pipeline, datasize) -> [(rps, cpu)]
    try:
        for r in range(args.rounds):
            # Alternate who goes first, so neither always runs on a warmer machine.
            order = names if r % 2 == 0 else names[::-1]
            for datasize in sizes:
                for pipeline in (1, 16):
                    for name in order:
                        n = requests_for(args, pipeline, datasize)
                        proc, port = procs[name]
                        for test, sample in bench(proc, port, pipeline, n, groups, datasize).items():
                            results.setdefault((name, test, pipeline, datasize), []).append(sample)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for proc, _ in procs.values():
            proc.kill()
            proc.wait()
    print(f"redis-benchmark -c 50, {args.rounds} rounds, medians")
    both = len(names) > 1
    header = "| test |" + (" value |" if args.datasize else "") + f" -P | ae-demo ({backend_name()}) req/s |"
    if both:
        header += (" redis-server req/s | ratio | round ratios | ae-demo CPU µs/req |"
                   " redis-server CPU µs/req | CPU ratio |")
    else:
        header += " ae-demo CPU µs/req |"
    print(header)
    print("|---" * (header.count("|") - 1) + "|")

    def med(name, key, i):
        return statistics.median(s[i] for s in results[(name, *key)])

    def geo(xs):
        return math.exp(sum(map(math.log, xs)) / len(xs))

    ratios, cpu_ratios = {}, {}  # pipeline -> [ratio]
    for pipeline in (1, 16):
        for datasize in sizes:
            for test in tests:
                key = (test, pipeline, datasize)
                ae, ae_cpu = med("ae-demo", key, 0), med("ae-demo", key, 1)
                row = f"| {test} |" + (f" {size_label(datasize)} |" if datasize else "")
                row += f" {pipeline} | {ae:,.0f} |"
                if both:
                    redis, redis_cpu = med("redis-server", key, 0), med("redis-server", key, 1)
                    ratios.setdefault(pipeline, []).append(ae / redis)
                    cpu_ratios.setdefault(pipeline, []).append(ae_cpu / redis_cpu)
                    # Each round's ratio (the two ran back to back): the
                    # spread says how far one row moves from run to run.
                    paired = [a[0] / b[0] for a, b in
                              zip(results[("ae-demo", *key)], results[("redis-server", *key)])]
                    row += (f" {redis:,.0f} | {ae / redis:.2f} | {min(paired):.2f}-{max(paired):.2f} |"
                            f" {ae_cpu:.2f} | {redis_cpu:.2f} | {ae_cpu / redis_cpu:.2f} |")
                else:
                    row += f" {ae_cpu:.2f} |"
                print(row)
    if ratios:
        for pipeline in (1, 16):
            print(f"\n-P {pipeline}: geometric mean of the throughput ratios (ae-demo / redis-server): "
                  f"{geo(ratios[pipeline]):.3f}; of the CPU-per-request ratios: {geo(cpu_ratios[pipeline]):.3f}")
        every = [x for xs in ratios.values() for x in xs]
        every_cpu = [x for xs in cpu_ratios.values() for x in xs]
        print(f"all rows: geometric mean of the throughput ratios {geo(every):.3f}; "
              f"of the CPU-per-request ratios {geo(every_cpu):.3f}")


def backend_name():
    return "epoll" if sys.platform.startswith("linux") else "kqueue"


def count_syscalls(name, tracer_cmd, requests, test="ping", datasize=None, pipeline=1):
    """Runs redis-benchmark -t `test` under `tracer_cmd(pid, out)`; returns
    the trace file. With a value size, an untraced SET first stores it, so
    a GET reads a value of that size."""
    proc, port = start(name)
    out = f"/tmp/syscalls-{name}-{tracer_cmd.__name__}.txt"
    size = [] if datasize is None else ["-d", str(datasize)]
    try:
        if datasize is not None:
            subprocess.run(
                ["redis-benchmark", "-p", str(port), "-c", "1", "-n", "1", "-t", "set", *size, "-q"],
                check=True, capture_output=True)
        # Attach before any benchmark connection: the counts include the 50
        # connections' set-up and tear-down of each test.
        trace = subprocess.Popen(tracer_cmd(proc.pid, out), stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        subprocess.run(
            ["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests),
             "-P", str(pipeline), "-t", test, *size, "-q"],
            check=True, capture_output=True)
        time.sleep(0.2)
        trace.send_signal(2)
        trace.wait()
    finally:
        proc.kill()
        proc.wait()
    return out


def strace_counts(path):
    """{syscall: calls} from an strace -c summary."""
    calls = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 5 and parts[-1] not in ("syscall", "total") and parts[3].isdigit():
                calls[parts[-1]] = int(parts[3])
    return calls


def large_syscalls(args):
    """Syscalls per request of SET and GET at each --datasize, strace -c."""
    print(f"strace -c, redis-benchmark -c 50 -P {args.pipeline}: syscalls per request")
    print("| test | value | server | requests | total | reads | writes | epoll_wait | epoll_ctl | brk | mmap + munmap |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for datasize in args.datasize:
        requests = requests_for(args, args.pipeline, datasize)
        for test in ("set", "get"):
            for name in servers():
                calls = strace_counts(count_syscalls(name, strace, requests, test, datasize,
                                                     args.pipeline))

                def per(*names):
                    return sum(calls.get(n, 0) for n in names) / requests

                print(f"| {test.upper()} | {size_label(datasize)} | {name} | {requests} |"
                      f" {sum(calls.values()) / requests:.2f} |"
                      f" {per('read', 'recvfrom', 'readv'):.2f} |"
                      f" {per('write', 'sendto', 'writev'):.2f} | {per('epoll_wait'):.2f} |"
                      f" {per('epoll_ctl'):.2f} | {per('brk'):.3f} | {per('mmap', 'munmap'):.3f} |")


def strace(pid, out):
    return ["strace", "-c", "-f", "-p", str(pid), "-o", out]


def perf(pid, out):
    return ["perf", "stat", "-e", "raw_syscalls:sys_enter", "-p", str(pid), "-o", out]


def perf_works():
    if not shutil.which("perf"):
        return False
    probe = subprocess.run(["perf", "stat", "-e", "raw_syscalls:sys_enter", "true"],
                           capture_output=True)
    return probe.returncode == 0


def syscalls(args):
    if args.datasize:
        return large_syscalls(args)
    # PING_INLINE and PING_MBULK, args.requests each.
    requests = 2 * args.requests
    use_perf = perf_works()
    if not use_perf:
        print("perf cannot count syscalls here: strace only", file=sys.stderr)
    if not shutil.which("strace"):
        sys.exit("strace is not installed (Debian: apt-get install strace)")
    names = servers()
    for name in names:
        calls = strace_counts(count_syscalls(name, strace, args.requests))
        total = sum(calls.values())
        top = ", ".join(f"{k} {v / requests:.3f}"
                        for k, v in sorted(calls.items(), key=lambda kv: -kv[1])[:5])
        print(f"{name}, strace -c: {total / requests:.3f} syscalls per request ({top})")
    if use_perf:
        for name in names:
            with open(count_syscalls(name, perf, args.requests)) as f:
                for line in f:
                    if "raw_syscalls:sys_enter" in line:
                        total = int(line.split()[0].replace(",", ""))
            print(f"{name}, perf (untraced): {total / requests:.3f} syscalls per request")

# instructions: how each row runs alone. LRANGE_N reads the list an LPUSH
# run filled (the command redis-benchmark's LRANGE_N sends, given as its
# command line, since "-t lrange_100" would run the LPUSH in the same count).
INSTRUCTION_RUNS = {
    "PING_INLINE": ["-t", "ping_inline"], "PING_MBULK": ["-t", "ping_mbulk"],
    "SET": ["-t", "set"], "GET": ["-t", "get"],
    "LPUSH": ["-t", "lpush"], "LPOP": ["-t", "lpop"], "SADD": ["-t", "sadd"],
    "HSET": ["-t", "hset"], "ZADD": ["-t", "zadd"], "MSET": ["-t", "mset"],
    "LRANGE_100": ["LRANGE", "mylist", "0", "99"], "LRANGE_600": ["LRANGE", "mylist", "0", "599"],
}


def callgrind_instructions(pid, run):
    """User-space instructions the server under callgrind executes during
    `run()`: its counters are zeroed before and dumped after (through vgdb,
    callgrind_control), so start-up and the other rows are not counted."""
    subprocess.run(["callgrind_control", "--zero", str(pid)], check=True, capture_output=True)
    run()
    before = set(os.listdir(WORK_DIR))
    subprocess.run(["callgrind_control", "--dump", str(pid)], check=True, capture_output=True)
    dump = max(set(os.listdir(WORK_DIR)) - before,
               key=lambda f: os.path.getmtime(os.path.join(WORK_DIR, f)))
    with open(os.path.join(WORK_DIR, dump)) as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    sys.exit(f"no summary line in callgrind dump {dump}")


def instructions(args):
    """User-space instructions per request, under callgrind: a count, not a
    time, so it repeats from run to run whatever else the machine does."""
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    requests = args.requests or 20_000
    tests = TYPE_TESTS if args.types else TESTS
    names = servers()
    counts = {}  # (name, test, pipeline) -> instructions per request
    for name in names:
        wrapper = ["valgrind", "--tool=callgrind", "--vgdb=yes",
                   f"--callgrind-out-file={WORK_DIR}/{name}.callgrind"]
        proc, port = start(name, wrapper=wrapper, timeout=60.0)
        try:
            for pipeline in (1, 16):
                # A count needs no more requests pipelined to be steady.
                n = requests
                bench_cmd = ["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(n),
                             "-P", str(pipeline), "-q"]
                if args.types:
                    # LRANGE_600 needs 600 elements, whatever -n is.
                    subprocess.run(bench_cmd[:6] + ["1000", "-t", "lpush"], check=True,
                                   capture_output=True)
                for test in tests:
                    def run(test=test):
                        subprocess.run(bench_cmd + INSTRUCTION_RUNS[test], check=True,
                                       capture_output=True)
                    counts[(name, test, pipeline)] = callgrind_instructions(proc.pid, run) / n
                print(f"{name} -P {pipeline} done", file=sys.stderr)
        finally:
            proc.kill()
            proc.wait()
    both = len(names) > 1
    print(f"callgrind, redis-benchmark -c 50 -n {requests}: "
          "user-space instructions per request")
    print("| test | -P | ae-demo |" + (" redis-server | ratio |" if both else ""))
    print("|---|---|---|" + ("---|---|" if both else ""))
    ratios = []
    for pipeline in (1, 16):
        for test in tests:
            ae = counts[("ae-demo", test, pipeline)]
            row = f"| {test} | {pipeline} | {ae:,.0f} |"
            if both:
                redis = counts[("redis-server", test, pipeline)]
                ratios.append(ae / redis)
                row += f" {redis:,.0f} | {ae / redis:.2f} |"
            print(row)
    if ratios:
        geo = math.exp(sum(map(math.log, ratios)) / len(ratios))
        print(f"\ngeometric mean of the ratios (ae-demo / redis-server): {geo:.3f}")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.clients + 100
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
    for name in servers():
        extra = ["--maxclients", str(args.clients + 10)]
        proc, port = start(name, extra)
        try:
            # One client first, so one-time allocations are in the baseline.
            first = socket.create_connection(("127.0.0.1", port))
            first.sendall(b"PING\r\n")
            first.recv(16)
            time.sleep(0.3)
            before = rss_kib(proc.pid)
            conns = []
            for _ in range(args.clients):
                s = socket.create_connection(("127.0.0.1", port))
                conns.append(s)
            # A round trip on the last one: the server has accepted them all.
            conns[-1].sendall(b"PING\r\n")
            conns[-1].recv(16)
            time.sleep(0.5)
            after = rss_kib(proc.pid)
            per = (after - before) * 1024 / args.clients
            print(f"{name}: {before} KiB -> {after} KiB with {args.clients} idle clients: "
                  f"{per:.0f} bytes per client")
            for s in conns:
                s.close()
            first.close()
        finally:
            proc.kill()
            proc.wait()
    memory_per_element(args)


def send_all(port, commands):
    """Sends RESP commands pipelined on one connection and reads a reply
    line for each (every one here answers with one line)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        out = b"".join(b"*%d\r\n" % len(c) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in c)
                       for c in commands)
        s.sendall(out)
        f = s.makefile("rb")
        for _ in commands:
            f.readline()


def memory_per_element(args):
    """Bytes per key of DEBUG POPULATE, and per element of one big list,
    set, hash and sorted set of 16-byte members: used_memory (what the
    allocator was asked for) and resident memory, each server started
    afresh for each kind."""
    n = args.keys
    members = [b"element:%08d" % i for i in range(n)]

    def batches(cmd, key, per_member):
        for i in range(0, n, 1000):
            yield [cmd, key, *[x for m in members[i:i + 1000] for x in per_member(m)]]

    kinds = {
        "string keys (DEBUG POPULATE)": None,
        "list (RPUSH)": lambda: batches(b"RPUSH", b"l", lambda m: [m]),
        "set (SADD)": lambda: batches(b"SADD", b"s", lambda m: [m]),
        "hash (HSET field, 3-byte value)": lambda: batches(b"HSET", b"h", lambda m: [m, b"xxx"]),
        "sorted set (ZADD)": lambda: batches(b"ZADD", b"z", lambda m: [m[8:], m]),
    }
    print(f"\nmemory per key or element, {n} of each: used_memory / resident")
    print("| data | ae-demo used | ae-demo resident | redis-server used | redis-server resident |")
    print("|---|---|---|---|---|")
    rows = {}
    for name in servers():
        for kind, fill in kinds.items():
            proc, port = start(name, ["--enable-debug-command", "yes"])
            try:
                used0, rss0 = int(info_field(port, "memory", "used_memory")), rss_kib(proc.pid)
                if fill is None:
                    command(port, "DEBUG", "POPULATE", str(n))
                else:
                    send_all(port, list(fill()))
                used1, rss1 = int(info_field(port, "memory", "used_memory")), rss_kib(proc.pid)
                rows.setdefault(kind, []).extend([(used1 - used0) / n, (rss1 - rss0) * 1024 / n])
            finally:
                proc.kill()
                proc.wait()
    for kind, cells in rows.items():
        print(f"| {kind} | " + " | ".join(f"{c:.0f}" for c in cells) + " |")


def command(port, *args):
    """One command over redis-cli; its output, stripped."""
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def info_field(port, section, field):
    for line in command(port, "INFO", section).splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(field)


def latency_run(port, requests, keys):
    """redis-benchmark GET over the populated keys: (p50, p99, max) ms."""
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-c", "50", "-n", str(requests),
         "-t", "get", "-r", str(keys), "--csv"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        fields = [f.strip('"') for f in line.split(",")]
        if fields[0] == "GET":
            # test, rps, avg, min, p50, p95, p99, max
            return float(fields[4]), float(fields[6]), float(fields[7])
    raise RuntimeError(f"no GET row in {out!r}")


def saving_while(port, run, every):
    """Runs `run()` while a BGSAVE starts every `every` seconds (when none
    runs), so both servers fork as often whatever their save speed; returns
    (its result, saves, the forks' stalls in µs)."""
    done = threading.Event()
    forks = []

    def saver():
        while not done.is_set():
            if info_field(port, "persistence", "rdb_bgsave_in_progress") == "0":
                if command(port, "BGSAVE") == "Background saving started":
                    forks.append(int(info_field(port, "stats", "latest_fork_usec")))
            done.wait(every)

    t = threading.Thread(target=saver)
    t.start()
    try:
        result = run()
    finally:
        done.set()
        t.join()
    while info_field(port, "persistence", "rdb_bgsave_in_progress") != "0":
        time.sleep(0.05)
    return result, len(forks), forks


def bgsave(args):
    names = servers()
    results = {}  # (name, "quiet"|"saving") -> [(p50, p99, max)]; (name, "saves") -> [n]
    for r in range(args.rounds):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            proc, port = start(name, ["--enable-debug-command", "yes"])
            try:
                command(port, "DEBUG", "POPULATE", str(args.keys))
                quiet = latency_run(port, args.requests, args.keys)
                saving, saves, forks = saving_while(
                    port, lambda: latency_run(port, args.requests, args.keys), args.save_every)
                results.setdefault((name, "quiet"), []).append(quiet)
                results.setdefault((name, "saving"), []).append(saving)
                results.setdefault((name, "saves"), []).append(saves)
                results.setdefault((name, "forks"), []).extend(forks)
            finally:
                proc.kill()
                proc.wait()
    print(f"GET -c 50 -n {args.requests} over {args.keys} keys, {args.rounds} rounds, medians (ms)\n")
    print("| server | quiet p50 | quiet p99 | quiet max | saving p50 | saving p99 | saving max | BGSAVEs per run | fork stall µs |")
    print("|---|---|---|---|---|---|---|---|---|")
    med = {}
    for name in names:
        row = [name]
        for phase in ("quiet", "saving"):
            for i in range(3):
                value = statistics.median(x[i] for x in results[(name, phase)])
                med[(name, phase, i)] = value
                row.append(f"{value:.3f}")
        row.append(f"{statistics.median(results[(name, 'saves')]):.0f}")
        row.append(f"{statistics.median(results[(name, 'forks')] or [0]):.0f}")
        print("| " + " | ".join(row) + " |")
    if len(names) == 2:
        ratio = med[("ae-demo", "saving", 1)] / med[("redis-server", "saving", 1)]
        rounds = [a[1] / b[1] for a, b in zip(results[("ae-demo", "saving")], results[("redis-server", "saving")])]
        print(f"\np99 during BGSAVE, ae-demo / redis-server: {ratio:.2f} "
              f"(rounds {min(rounds):.2f}-{max(rounds):.2f}; target <= 2)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", nargs="?", default="throughput", choices=["throughput", "syscalls", "instructions", "memory", "bgsave"])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--types", action="store_true",
                   help="the data-type rows (LPUSH, LPOP, SADD, HSET, ZADD, LRANGE_100/600, MSET)"
                        " instead of PING, SET and GET")
    p.add_argument("--requests", type=int,
                   help="requests per test (default 100000, x10 at -P 16; instructions: 20000 at both)")
    p.add_argument("--datasize", type=lambda t: [parse_size(x) for x in t.split(",")],
                   help="value sizes for SET/GET, e.g. 10k,100k,1m (throughput only)")
    p.add_argument("--megabytes", type=int, default=2000,
                   help="with --datasize: MB of values per test (default 2000)")
    p.add_argument("--pipeline", type=int, default=1,
                   help="syscalls with --datasize: redis-benchmark -P (default 1)")
    p.add_argument("--clients", type=int, default=10_000)
    p.add_argument("--keys", type=int, default=1000_000, help="bgsave, memory: keys or elements to fill with (default 1M)")
    p.add_argument("--save-every", type=float, default=1.5,
                   help="bgsave: seconds between BGSAVEs (default 1.5)")
    p.add_argument("--ae-demo", metavar="BIN",
                   help="run this ae-demo binary instead of building this tree's")
    args = p.parse_args()
    if args.requests is None and args.mode != "instructions":
        args.requests = 100_000
    if args.ae_demo:
        AE_DEMO_BIN[0] = os.path.abspath(args.ae_demo)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "ae-demo"], cwd=ROOT, check=True)
    try:
        {"throughput": throughput, "syscalls": syscalls, "instructions": instructions, "memory": memory,
         "bgsave": bgsave}[args.mode](args)
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
