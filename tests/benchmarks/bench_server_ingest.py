"""Ingest speed: one 300 MB tus PATCH by curl, to our server and to @tus/server, same run.

    .venv/bin/python tests/benchmarks/bench_server_ingest.py [--mb 300] [--rounds 3] [--baseline DIR]

Both servers run as subprocesses on loopback (ours: ``python main.py serve``, uvicorn
+ httptools + uvloop; theirs: node @tus/server with @tus/file-store). curl creates the
upload, then PATCHes the whole file in one request; the time is curl's ``time_total``
for the PATCH. sha256 verification is on for ours: the server hashes every byte as it
streams (that hash is the video's ``sha256``); with ``--client-checksum`` curl also
sends ``Upload-Checksum: sha256 ...`` of the body, which the server checks too.
The best of ``--rounds`` alternating runs is compared (the machine is shared). A third
server, @tus/server hashing each PATCH body with node's sha256 as it streams, shows the
comparison with the same verification work. ``--baseline DIR`` adds our server as another
checkout has it (``git worktree add DIR main``, say), in the same alternating rounds, and prints
this tree's throughput as a ratio of that one's: a before/after figure measured in one sitting.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"


def make_file(path: Path, mb: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as fh:
        for i in range(mb):
            chunk = block[i % 997:] + block[: i % 997]  # distinct blocks, cheap to make
            fh.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def curl_patch(url: str, path: Path, headers: dict[str, str]) -> tuple[int, float]:
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", "PATCH",
           "--data-binary", f"@{path}", "-H", "Content-Type: application/offset+octet-stream",
           "-H", "Expect:"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def wait_line(proc: subprocess.Popen, pattern: str) -> re.Match:
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if m := re.search(pattern, line):
            return m
        if not line and proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.returncode}")
    raise SystemExit("server did not start")


def start_ours(data: Path, root: Path = ROOT) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen([sys.executable, "main.py", "serve", "--port", "0", "--data-dir", str(data),
                             "--user", "bench:bench-password"], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    base = wait_line(proc, r"at (http://\S+) ").group(1)
    token = httpx.post(base + "/api/v1/auth/token",
                       json={"username": "bench", "password": "bench-password"}).json()["access_token"]
    return proc, base + "/api/v1/uploads", token


def start_node(data: Path, sha256: bool = False) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(["node", str(INTEROP / "tus_node_server.mjs"), str(data)], cwd=INTEROP,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env={**os.environ, "SHA256": "1" if sha256 else "0"})
    port = wait_line(proc, r"LISTENING (\d+)").group(1)
    return proc, f"http://127.0.0.1:{port}/files"


def cpu_seconds(pid: int) -> float:
    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def one_upload(endpoint: str, path: Path, size: int, extra: dict[str, str], pid: int) -> tuple[float, float]:
    headers = {"Tus-Resumable": "1.0.0", **extra}
    meta = "filename " + base64.b64encode(b"bench.mp4").decode()
    r = httpx.post(endpoint, headers={**headers, "Upload-Length": str(size), "Upload-Metadata": meta})
    assert r.status_code == 201, r.text
    location = httpx.URL(endpoint).join(r.headers["location"])
    cpu0 = cpu_seconds(pid)
    status, seconds = curl_patch(str(location), path, {**headers, "Upload-Offset": "0"})
    cpu = cpu_seconds(pid) - cpu0
    assert status == 204, status
    head = httpx.head(str(location), headers=headers)
    assert int(head.headers["upload-offset"]) == size
    return seconds, cpu


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--client-checksum", action="store_true")
    ap.add_argument("--baseline", type=Path, metavar="DIR", help="another checkout's server to compare with")
    args = ap.parse_args()
    if not shutil.which("curl") or not shutil.which("node") or not (INTEROP / "node_modules").exists():
        print("needs curl, node and tests/interop/node_modules")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = tmpdir / "payload.bin"
        sha = make_file(src, args.mb)
        size = src.stat().st_size
        ours, ours_url, token = start_ours(tmpdir / "ours")
        servers = [("ours", ours_url, token, ours.pid)]
        if args.baseline:
            base, base_url, base_token = start_ours(tmpdir / "baseline", args.baseline.resolve())
            servers.append(("baseline", base_url, base_token, base.pid))
        (tmpdir / "node").mkdir()
        (tmpdir / "node-sha").mkdir()
        node, node_url = start_node(tmpdir / "node")
        node_sha, node_sha_url = start_node(tmpdir / "node-sha", sha256=True)
        checksum = {}
        if args.client_checksum:
            checksum["Upload-Checksum"] = "sha256 " + base64.b64encode(bytes.fromhex(sha)).decode()
        plan = [("tus-node", node_url, {}, node.pid)]
        plan += [(name, url, {"Authorization": f"Bearer {tok}", **checksum}, pid)
                 for name, url, tok, pid in servers]
        plan.append(("tus-node+sha256", node_sha_url, {}, node_sha.pid))
        names = [name for name, *_ in plan]
        times: dict[str, list[float]] = {n: [] for n in names}
        cpus: dict[str, list[float]] = {n: [] for n in names}
        try:
            for i in range(args.rounds):
                # ours and the baseline swap places each round, so neither always follows node
                order = plan if i % 2 == 0 else [plan[0], *reversed(plan[1:-1]), plan[-1]]
                for name, url, headers, pid in order:
                    seconds, cpu = one_upload(url, src, size, headers, pid)
                    times[name].append(seconds)
                    cpus[name].append(cpu)
                for d in (tmpdir / "ours" / "uploads", tmpdir / "baseline" / "uploads", tmpdir / "node",
                          tmpdir / "node-sha"):
                    for f in d.iterdir() if d.exists() else ():
                        f.unlink()  # keep the disk from filling up between rounds
        finally:
            for proc in (ours, node, node_sha, *([base] if args.baseline else [])):
                proc.terminate()
                proc.wait(10)
    mode = "server-side streaming sha256" + (" + client Upload-Checksum sha256" if args.client_checksum else "")
    print(f"payload: {args.mb} MiB, one PATCH by curl, best of {args.rounds}; ours: {mode}")
    best = {k: min(v) for k, v in times.items()}
    for name, seconds in best.items():
        runs = ", ".join(f"{s:.2f}" for s in times[name])
        print(f"  {name:15s} {size / seconds / 1e6:8.1f} MB/s  best {seconds:.2f} s  (runs: {runs}); "
              f"server CPU per upload {min(cpus[name]):.2f} s")
    ratio = best["tus-node"] / best["ours"]
    print(f"ratio ours/@tus/server throughput: {ratio:.2f} (target >= 0.80)")
    print(f"ratio ours/@tus/server hashing the same bytes with sha256: "
          f"{best['tus-node+sha256'] / best['ours']:.2f}")
    if args.baseline:
        median = {k: statistics.median(v) for k, v in times.items()}
        print(f"ratio ours/baseline ({args.baseline}) throughput: best {best['baseline'] / best['ours']:.2f}, "
              f"median {median['baseline'] / median['ours']:.2f}; server CPU per upload, median: "
              f"{statistics.median(cpus['ours']):.2f} s vs {statistics.median(cpus['baseline']):.2f} s")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
