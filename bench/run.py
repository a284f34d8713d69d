#!/usr/bin/env python3
"""Side-by-side HTTP benchmark of Galvani and its raw-axum twin.

Follows ../shared/design/benchmarks.md: every server is pinned to CPU 0 and wrk (one
thread) to CPU 1; each round starts every peer fresh, checks its responses and warms it
up, then measures each path at each connection count on all peers back to back (in an
order rotated by round and level), so that compared figures are seconds apart. The report
gives the median and min-max of requests/s and of server CPU microseconds per request,
and each Galvani peer's ratio to axum (median of the per-round ratios, with min-max).

    bench/run.py                      # 5 rounds, 10 s per level, /json and /plaintext
    bench/run.py --rounds 3 --duration 5 --conns 64 --paths /json

Peers:
    axum          bench/axum-twin, plain axum::serve
    galvani         bench/galvani-bench with GALVANI_PROFILE=prod: the full default stack,
                    as deployed (the access log records 4xx and 5xx, log.level = warn)
    galvani-logall  the same, logging every request (GALVANI_LOG__LEVEL=info)
    galvani-bare    the same with GALVANI_MIDDLEWARE__DEFAULTS=false (optional layers off)
    orm-sqlite      galvani-bench (prod) on SQLite: /db and /fortunes through the ORM
    sqlx-sqlite     the same binary with BENCH_TWIN=sqlx: the same paths hand-written on
                    the same sqlx pool; orm-X is compared with sqlx-X, the rest with axum
    orm-pg, sqlx-pg the same on PostgreSQL (--postgres URL, or BENCH_POSTGRES_URL)

    bench/run.py --peers sqlx-sqlite,orm-sqlite,sqlx-pg,orm-pg --paths /db,/fortunes \
        --postgres postgres://galvani_test:galvani_test@127.0.0.1:5432/postgres
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
EXPECTED = {
    "/json": ("application/json", lambda b: b == b'{"message":"Hello, World!"}'),
    "/plaintext": ("text/plain", lambda b: b == b"Hello, World!"),
    "/db": ("application/json", lambda b: b.startswith(b'{"id":') and b"randomnumber" in b),
    "/fortunes": (
        "text/html",
        lambda b: b"Additional fortune added at request time." in b
        and b"&lt;script&gt;" in b
        and "フレームワーク".encode() in b,
    ),
}


def target_dir() -> Path:
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def peers(postgres: str | None = None):
    release = target_dir() / "release"
    prod = {"GALVANI_PROFILE": "prod"}
    sqlite = f"sqlite://{ROOT / 'bench' / 'results' / 'bench.sqlite3'}"
    bench = lambda port: [str(release / "galvani-bench"), "runserver", f"127.0.0.1:{port}"]
    dbs = {
        "orm-sqlite": (18085, sqlite, {}),
        "sqlx-sqlite": (18086, sqlite, {"BENCH_TWIN": "sqlx"}),
    }
    if postgres:
        dbs["orm-pg"] = (18087, postgres, {})
        dbs["sqlx-pg"] = (18088, postgres, {"BENCH_TWIN": "sqlx"})
    database_peers = {
        name: (bench(port), {**prod, "GALVANI_DATABASE__URL": url, **extra}, f"127.0.0.1:{port}")
        for name, (port, url, extra) in dbs.items()
    }
    return database_peers | {
        "axum": ([str(release / "axum-twin"), "127.0.0.1:18081"], {}, "127.0.0.1:18081"),
        "galvani": (
            [str(release / "galvani-bench"), "runserver", "127.0.0.1:18082"],
            prod,
            "127.0.0.1:18082",
        ),
        "galvani-bare": (
            [str(release / "galvani-bench"), "runserver", "127.0.0.1:18083"],
            {**prod, "GALVANI_MIDDLEWARE__DEFAULTS": "false"},
            "127.0.0.1:18083",
        ),
        "galvani-logall": (
            [str(release / "galvani-bench"), "runserver", "127.0.0.1:18084"],
            {**prod, "GALVANI_LOG__LEVEL": "info"},
            "127.0.0.1:18084",
        ),
    }


def http_get(addr: str, path: str) -> tuple[int, dict, bytes]:
    host, port = addr.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def wait_ready(addr: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server for {addr} exited with {proc.returncode}")
        try:
            http_get(addr, "/plaintext")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server at {addr} did not come up")


def validate(name: str, addr: str, paths: list[str]) -> None:
    for path in paths:
        status, headers, body = http_get(addr, path)
        ctype, expected = EXPECTED[path]
        if status != 200 or not headers.get("content-type", "").startswith(ctype) or not expected(body):
            raise SystemExit(f"{name} {path}: unexpected response {status} {headers} {body!r}")
        if "date" not in headers:
            raise SystemExit(f"{name} {path}: no Date header")


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def wrk(addr: str, path: str, conns: int, seconds: int) -> dict:
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--latency", f"http://{addr}{path}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    return {
        "rps": rps,
        "requests": total,
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "p50": p50,
        "p99": p99,
    }


def loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def start(name: str, spec) -> subprocess.Popen:
    cmd, env, _ = spec
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GALVANI_")}, **env}
    return subprocess.Popen(["taskset", "-c", "0", *cmd], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)


def prepare_databases(all_peers: dict, names: list[str]) -> None:
    """`galvani-bench prepare` once per database the chosen peers use."""
    done = set()
    for name in names:
        cmd, env, _ = all_peers[name]
        url = env.get("GALVANI_DATABASE__URL")
        if url is None or url in done:
            continue
        (ROOT / "bench" / "results").mkdir(exist_ok=True)
        full_env = {**{k: v for k, v in os.environ.items() if not k.startswith("GALVANI_")}, **env}
        subprocess.run([cmd[0], "prepare"], env=full_env, check=True, cwd=ROOT)
        done.add(url)


def baseline_of(peer: str) -> str:
    """The peer a ratio is taken against: the sqlx twin for ORM peers, else axum."""
    return "sqlx-" + peer[4:] if peer.startswith("orm-") else "axum"


def run(args) -> dict:
    all_peers = peers(args.postgres)
    names = [n for n in args.peers.split(",")]
    unknown = [n for n in names if n not in all_peers]
    if unknown:
        raise SystemExit(f"unknown peers {unknown}: known are {sorted(all_peers)} (pg peers need --postgres)")
    prepare_databases(all_peers, names)
    paths = args.paths.split(",")
    conns = [int(c) for c in args.conns.split(",")]
    levels = [(path, c) for path in paths for c in conns]
    results = []
    for rnd in range(args.rounds):
        # Every peer starts fresh each round and they all stay up (an idle server costs
        # nothing); each level is then measured on all peers back to back, in an order
        # rotated by round and level, so peers compared with each other were measured
        # seconds apart rather than minutes: the machine's drifts hit them alike.
        procs = {name: start(name, all_peers[name]) for name in names}
        try:
            for name in names:
                addr = all_peers[name][2]
                wait_ready(addr, procs[name])
                validate(name, addr, paths)
                wrk(addr, paths[0], 64, args.warmup)
            for i, (path, c) in enumerate(levels):
                shift = (rnd + i) % len(names)
                for name in names[shift:] + names[:shift]:
                    addr = all_peers[name][2]
                    proc = procs[name]
                    load = loadavg()
                    before = cpu_ticks(proc.pid)
                    r = wrk(addr, path, c, args.duration)
                    ticks = cpu_ticks(proc.pid) - before
                    r.update(
                        round=rnd,
                        peer=name,
                        path=path,
                        conns=c,
                        loadavg=load,
                        cpu_us_per_req=ticks / CLK_TCK * 1e6 / max(r["requests"], 1),
                    )
                    results.append(r)
                    print(
                        f"round {rnd + 1} {name:13} {path:11} c={c:<4} {r['rps']:>10.0f} req/s "
                        f"{r['cpu_us_per_req']:6.1f} us/req  p99 {r['p99']:>8}  load {load:.2f}"
                        + (f"  NON-2XX {r['non2xx']}" if r["non2xx"] else ""),
                        flush=True,
                    )
        finally:
            for proc in procs.values():
                proc.terminate()
            for proc in procs.values():
                proc.wait(timeout=30)
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["bench/run.py", *sys.argv[1:]]),
        "settings": vars(args),
        "results": results,
    }


def summarise(data: dict) -> str:
    rows = data["results"]
    peers_seen = list(dict.fromkeys(r["peer"] for r in rows))
    keys = list(dict.fromkeys((r["path"], r["conns"]) for r in rows))
    out = [
        f"Measured {data['when']} with `{data['command']}` "
        f"({data['settings']['rounds']} rounds, {data['settings']['duration']} s per level).",
        "",
        "| path | conns | peer | req/s median (min-max) | CPU us/req median | ratio to its baseline (min-max) |",
        "|---|---|---|---|---|---|",
    ]
    for path, c in keys:
        by_peer = {p: [r for r in rows if r["peer"] == p and r["path"] == path and r["conns"] == c] for p in peers_seen}
        for p in peers_seen:
            rs = by_peer[p]
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            cpu = [r["cpu_us_per_req"] for r in rs]
            is_base = p == "axum" or p.startswith("sqlx-")
            base = {r["round"]: r["rps"] for r in by_peer.get(baseline_of(p), [])}
            ratios = [r["rps"] / base[r["round"]] for r in rs if r["round"] in base]
            ratio = (
                "1.00 (baseline)"
                if is_base
                else f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) to {baseline_of(p)}"
                if ratios
                else "-"
            )
            out.append(
                f"| {path} | {c} | {p} | {statistics.median(rps):,.0f} ({min(rps):,.0f}-{max(rps):,.0f}) "
                f"| {statistics.median(cpu):.1f} | {ratio} |"
            )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--conns", default="16,64,256")
    parser.add_argument("--paths", default="/json,/plaintext")
    parser.add_argument("--peers", default="axum,galvani,galvani-logall,galvani-bare")
    parser.add_argument("--no-build", action="store_true", help="use the release binaries as they are")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL"),
        help="a PostgreSQL URL for the orm-pg and sqlx-pg peers (tables world and fortune are made there)",
    )
    parser.add_argument("--report", help="summarise an earlier results file instead of running")
    args = parser.parse_args()

    if args.report:
        print(summarise(json.loads(Path(args.report).read_text())))
        return
    for tool in ("wrk", "taskset"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: apt-get install -y wrk util-linux")
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "galvani-bench", "-p", "axum-twin"], cwd=ROOT, check=True)
    data = run(args)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (out_dir / f"{stamp}.json").write_text(json.dumps(data, indent=1))
    print()
    print(summarise(data))
    print(f"\nraw results: bench/results/{stamp}.json")


if __name__ == "__main__":
    main()
