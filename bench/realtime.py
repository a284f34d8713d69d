#!/usr/bin/env python3
"""Side-by-side real-time benchmark: Galvani's plain WebSocket and Socket.IO endpoints
beside Node's socket.io 4.8 server.

Each server is pinned to CPU 0 and the load client (bench/realtime, `rt-load`) to
CPU 1. A session starts one server fresh, notes its resident memory, opens --conns
idle connections (spread over --sources source addresses 127.0.0.x), waits for them to
settle and notes the memory again (the difference over the connections is the idle
cost of one), then has the server broadcast one tick to all of them --broadcasts times
(pausing between), and records the deliveries per second of each broadcast (every
socket's delivery, over the time from the broadcast to the last arrival), each
delivery's latency, and the server's CPU time per delivery. Rounds rotate the peers'
order, so that compared figures are minutes apart at most; ratios are Galvani's over
Node's within a round.

    bench/realtime.py                         # 5 rounds of 10,000 sockets, 20 broadcasts
    bench/realtime.py --rounds 1 --conns 2000 # a quick look
    bench/realtime.py --hold 50000            # also: how many one process holds
    bench/realtime.py --debug --rounds 1 --conns 50 --broadcasts 2   # the harness works

Peers:
    galvani-ws    rt-server (GALVANI_PROFILE=prod), plain WebSocket consumer at /ws
    galvani-sio   the same process's Socket.IO namespace / (Engine.IO WebSocket transport)
    node-sio      bench/realtime/node/server.mjs: socket.io 4.8 on Node
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from run import ROOT, cpu_ticks, http_get, loadavg, target_dir

CLK_TCK = os.sysconf("SC_CLK_TCK")
NODE_DIR = ROOT / "bench" / "realtime" / "node"
PORT = 18090


PROFILE = "release"


def binary(name: str) -> str:
    return str(target_dir() / PROFILE / name)


def peers(settings: list[str]) -> dict:
    server = [binary("rt-server"), "runserver", f"127.0.0.1:{PORT}"]
    galvani = {"GALVANI_PROFILE": "prod"} | dict(s.split("=", 1) for s in settings)
    node = ["node", str(NODE_DIR / "server.mjs"), str(PORT)]
    return {
        "galvani-ws": (server, galvani, "ws"),
        "galvani-sio": (server, galvani, "sio"),
        "node-sio": (node, {}, "sio"),
    }


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def count(addr: str) -> int:
    status, _, body = http_get(addr, "/count")
    if status != 200:
        raise SystemExit(f"GET /count answered {status}")
    return int(body)


def start_server(spec) -> subprocess.Popen:
    cmd, env, _ = spec
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("GALVANI_")}, **env}
    proc = subprocess.Popen(
        ["taskset", "-c", "0", *cmd], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    addr = f"127.0.0.1:{PORT}"
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[0]} exited with {proc.returncode}")
        try:
            count(addr)
            return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{cmd[0]} did not come up")


class Client:
    """rt-load on CPU 1, spoken to a line at a time."""

    def __init__(self, protocol: str, conns: int, sources: int):
        cmd = [
            "taskset", "-c", "1", binary("rt-load"),
            "--addr", f"127.0.0.1:{PORT}", "--protocol", protocol,
            "--conns", str(conns), "--sources", str(sources),
        ]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"rt-load exited with {self.proc.wait()}")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        self.proc.wait(timeout=60)


def session(name: str, spec, args, conns: int, broadcasts: int, idle: float) -> dict:
    """One fresh server, `conns` connections idle for `idle` seconds, then `broadcasts`
    broadcasts."""
    server = start_server(spec)
    addr = f"127.0.0.1:{PORT}"
    try:
        time.sleep(1)
        before = rss_kb(server.pid)
        client = Client(spec[2], conns, args.sources)
        ready = client.read()
        if ready["connected"] != conns:
            raise SystemExit(f"{name}: {ready['connected']} of {conns} connected: {ready}")
        time.sleep(idle)
        held = count(addr)
        after = rss_kb(server.pid)
        result = {
            "peer": name,
            "conns": conns,
            "held": held,
            "connect_secs": ready["secs"],
            "idle_secs": idle,
            "rss_before_kb": before,
            "rss_after_kb": after,
            "kb_per_conn": (after - before) / conns,
        }
        if broadcasts:
            ticks = cpu_ticks(server.pid)
            measured = client.ask(f"measure {broadcasts} 1 {args.pause}")
            if measured.get("event") != "measured":
                raise SystemExit(f"{name}: {measured}")
            cpu = (cpu_ticks(server.pid) - ticks) / CLK_TCK
            result |= measured
            result["cpu_us_per_delivery"] = cpu * 1e6 / max(measured["deliveries"], 1)
        result["still_open"] = client.ask("count")["open"]
        client.close()
        # Figures from a run that lost messages or connections would mislead.
        if result.get("missing") or result["still_open"] != conns or held != conns:
            raise SystemExit(f"{name}: connections or deliveries were lost: {result}")
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(args) -> dict:
    all_peers = peers(args.setting)
    names = args.peers.split(",")
    data = {
        "started": datetime.now(timezone.utc).isoformat(),
        "args": vars(args),
        "loadavg_start": loadavg(),
        "sessions": [],
    }
    for r in range(args.rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            print(f"round {r + 1}/{args.rounds}: {name}, load {loadavg():.2f}", file=sys.stderr)
            result = session(name, all_peers[name], args, args.conns, args.broadcasts, args.settle)
            result["round"] = r
            data["sessions"].append(result)
            print(f"  {json.dumps(result)}", file=sys.stderr)
    for hold in args.hold:
        name, conns = hold.split("=") if "=" in hold else ("galvani-ws", hold)
        print(f"holding {conns} on {name}, load {loadavg():.2f}", file=sys.stderr)
        result = session(name, all_peers[name], args, int(conns), 1, args.hold_idle)
        result["hold"] = True
        data["sessions"].append(result)
        print(f"  {json.dumps(result)}", file=sys.stderr)
    data["loadavg_end"] = loadavg()
    return data


def spread(values: list[float], fmt: str) -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def summarise(data: dict) -> str:
    sessions = [s for s in data["sessions"] if not s.get("hold")]
    names = list(dict.fromkeys(s["peer"] for s in sessions))
    rows = [
        "| peer | KB per idle conn | deliveries/s | ratio to node-sio | p50 ms | p99 ms | CPU us/delivery |",
        "|---|---|---|---|---|---|---|",
    ] if sessions else []
    for name in names:
        mine = [s for s in sessions if s["peer"] == name]
        ratios = []
        for s in mine:
            node = [n for n in sessions if n["peer"] == "node-sio" and n["round"] == s["round"]]
            if node and "rate_median" in s:
                ratios.append(s["rate_median"] / node[0]["rate_median"])
        has_rate = all("rate_median" in s for s in mine)
        rows.append(" | ".join([
            f"| {name}",
            spread([s["kb_per_conn"] for s in mine], "{:.1f}"),
            spread([s["rate_median"] for s in mine], "{:,.0f}") if has_rate else "-",
            spread(ratios, "{:.2f}") if ratios else "-",
            spread([s["p50_ms"] for s in mine], "{:.1f}") if has_rate else "-",
            spread([s["p99_ms"] for s in mine], "{:.1f}") if has_rate else "-",
            spread([s["cpu_us_per_delivery"] for s in mine], "{:.2f}") + " |" if has_rate else "- |",
        ]))
    for s in data["sessions"]:
        if s.get("hold"):
            rows.append(
                f"\nheld: {s['peer']} {s['held']:,} of {s['conns']:,} connections "
                f"(opened in {s['connect_secs']:.1f} s), after {s['idle_secs']:.0f} s idle "
                f"{s['kb_per_conn']:.1f} KB each, "
                f"RSS {s['rss_after_kb'] / 1024:.0f} MB; one broadcast reached "
                f"{s['deliveries']:,} ({s['missing']} missing) in "
                f"{s['deliveries'] / s['rate_median']:.2f} s, p99 {s['p99_ms']:.0f} ms; "
                f"{s['still_open']:,} still open after it"
            )
    return "\n".join(rows)


def raise_fd_limit(conns: int) -> None:
    """Every connection is a file descriptor in the server and in the client."""
    wanted = conns + 256
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(wanted, hard), max(wanted, hard)))
    except (ValueError, OSError):
        if hard < wanted:
            raise SystemExit(
                f"{conns:,} connections need {wanted:,} open files per process, and this "
                f"machine's hard limit is {hard:,} (raising it needs CAP_SYS_RESOURCE): "
                "run as a user allowed to (ulimit -Hn), or ask for fewer"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peers", default="galvani-ws,galvani-sio,node-sio")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conns", type=int, default=10_000)
    parser.add_argument("--broadcasts", type=int, default=20, help="broadcasts per session")
    parser.add_argument("--pause", type=int, default=250, help="ms between broadcasts")
    parser.add_argument("--settle", type=float, default=3.0, help="s idle before measuring memory")
    parser.add_argument("--hold-idle", type=float, default=40.0,
                        help="s the --hold connections stay idle (past a 25 s ping) before the broadcast")
    parser.add_argument("--sources", type=int, default=4, help="source addresses 127.0.0.1..N")
    parser.add_argument("--hold", action="append", default=[], metavar="[PEER=]N",
                        help="also open N connections to one peer (galvani-ws by default)")
    parser.add_argument("--setting", action="append", default=[], metavar="GALVANI_X=V",
                        help="a setting for the Galvani peers (to try one out)")
    parser.add_argument("--debug", action="store_true",
                        help="debug builds: checks the harness (scripts/test), measures nothing")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    raise_fd_limit(max([args.conns] + [int(h.rpartition("=")[2]) for h in args.hold]))
    global PROFILE
    if args.debug:
        PROFILE = "debug"
    if not args.no_build:
        release = [] if args.debug else ["--release"]
        subprocess.run(["cargo", "build", *release, "-p", "realtime-bench"], check=True, cwd=ROOT)
    if "node-sio" in args.peers and not (NODE_DIR / "node_modules").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], check=True, cwd=NODE_DIR)
    data = run(args)
    out = ROOT / "bench" / "results" / f"realtime-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=2))
    print(summarise(data))
    print(f"\nraw results: {out}")


if __name__ == "__main__":
    main()
