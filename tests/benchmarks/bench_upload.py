"""Upload benchmark (issue 4). Not collected by pytest; run it and quote its output.

    .venv/bin/python tests/benchmarks/bench_upload.py [--size-mb 1024] [--tus-size-mb 300]

1. SIZE to the reference backend (``main.py serve`` in its own process): this client's
   throughput divided by curl's (one streamed multipart POST) to the same server, best of
   ``--runs``; the client's peak RSS. Targets: ratio >= 0.9, peak RSS <= 150 MB.
2. TUS-SIZE to @tus/server (node): this client vs tus-js-client (node), same run.
   Target: at least as fast, less memory.
3. A TCP reset at ~50 % of an upload to the reference backend (through the test suite's
   fault proxy): bytes sent again, in chunks. Target: <= 0.2 (issue 13: the cut PATCH's
   bytes are kept; before, its whole chunk was sent again).
4. A link that resets every connection after 20 MB (the same proxy), 200 MB to the
   reference backend: the bytes on the wire beyond the file. Target: < 10 % of the file
   (before issue 13 the upload never finished: each 32 MiB PATCH was cut and discarded).

Each client runs in its own process, so its peak RSS (``ru_maxrss``) is its own; times
cover the upload only (not interpreter start-up or sign-in), for curl ``time_total``.

Found with it: starting a thread for each chunk's checksum made the sender wait for the
new thread to be scheduled (a few ms on a busy machine) before every PATCH (the client has
since stopped sending per-chunk checksums altogether, so a cut chunk keeps its bytes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT / "tests" / "interop"
sys.path.insert(0, str(ROOT))
MiB = 1024 * 1024
USER, PASSWORD = "bench", "bench-password-1"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# -- client processes --------------------------------------------------------------------
def client_backend(url: str, path: str, known: bool = False) -> None:
    """``known``: as in the app, where the pipeline hashed the file before the upload
    stage; otherwise the client hashes it while sending."""
    from desktop_app.transfer.auth import AuthSession
    from desktop_app.transfer.client import BackendClient

    sha = None
    if known:
        import hashlib
        with open(path, "rb") as fh:
            sha = hashlib.file_digest(fh, "sha256").hexdigest()

    with BackendClient(url, auth=AuthSession()) as client:
        tokens = client.sign_in(USER, PASSWORD)
        session = client.create_session(tokens.user_id, title="bench")
        attempts: list[str] = []
        sent = [0]  # bytes handed to the socket, as the progress callback sees them
        last = [0]

        def progress(done: int, total: int) -> None:
            if done > last[0]:
                sent[0] += done - last[0]
            last[0] = done

        start, cpu0 = time.perf_counter(), time.process_time()
        video = client.upload_video(session.session_id, path, user_id=tokens.user_id,
                                    idempotency_key=str(uuid.uuid4()),
                                    on_attempt=lambda a: attempts.append(a.error_code),
                                    local_sha256=sha, progress=progress)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_rss_mb": peak_rss_mb(), "attempts": attempts,
                      "sha_ok": video.sha256 == video.local_sha256,
                      "handed_to_socket": sent[0]}))


def client_diag(url: str, path: str) -> None:
    """Diagnostic: the same client and server, one PATCH, no Upload-Checksum and no
    hashing, i.e. only what curl's single request does. Shows how much of the gap is the
    client's transfer itself and how much is the hashing and per-chunk work (which on a
    2-core machine competes with the server for CPU)."""
    import httpx

    from desktop_app.transfer.client import DEFAULT_TIMEOUTS
    from desktop_app.transfer.transport import make_http_client
    from desktop_app.transfer.tus import ServerCaps, TusUploader

    token = httpx.post(url + "/api/v1/auth/token",
                       json={"username": USER, "password": PASSWORD}).json()["access_token"]
    with make_http_client(DEFAULT_TIMEOUTS) as http:
        up = TusUploader(http, url + "/api/v1/uploads", chunk_size=os.path.getsize(path),
                         headers={"Authorization": f"Bearer {token}"})
        caps = up.capabilities()
        up._caps = ServerCaps(caps.extensions, None, caps.max_size)
        start = time.perf_counter()
        up.upload(path, known_sha256="0" * 64)  # no hashing either: the transfer alone
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "sha_ok": True}))


def client_tus(endpoint: str, path: str, chunk: str = "") -> None:
    """What ``main.py upload --tus`` does (no file sha256: a plain tus server has none)."""
    from desktop_app.transfer.client import DEFAULT_TIMEOUTS
    from desktop_app.transfer.transport import make_http_client
    from desktop_app.transfer.tus import TusUploader

    with make_http_client(DEFAULT_TIMEOUTS) as http:
        up = TusUploader(http, endpoint, chunk_size=int(chunk) if chunk else None)
        up.capabilities()
        start = time.perf_counter()
        result = up.upload(path, metadata={"filename": os.path.basename(path)}, hash_file=False)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "url": result.url}))


def run_client(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--client", *argv], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"client failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# -- peers --------------------------------------------------------------------------------
def start_backend(data_dir: Path, *options: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--port", "0", "--data-dir", str(data_dir),
         "--user", f"{USER}:{PASSWORD}", *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.startswith("Serving the reference backend at "):
            return proc, line.split()[5]
    raise SystemExit("the reference backend did not start")


def start_tus_node(store: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(["node", str(INTEROP / "tus_server.mjs"), str(store), "0"],
                            cwd=INTEROP, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line.startswith("READY "):
        raise SystemExit("@tus/server did not start")
    return proc, line.split()[1]


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def curl_multipart(url: str, path: Path) -> float:
    import httpx

    api = url + "/api/v1"
    token = httpx.post(api + "/auth/token", json={"username": USER, "password": PASSWORD}).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    session = httpx.post(api + "/sessions", json={"user_id": token["user_id"]}, headers=auth,
                         ).json()
    out = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
         "-H", f"Authorization: Bearer {token['access_token']}",
         "-H", f"Idempotency-Key: {uuid.uuid4()}",
         "-F", f"video=@{path};type=video/mp4", "-F", f"user_id={token['user_id']}",
         f"{api}/sessions/{session['session_id']}/videos"],
        capture_output=True, text=True, timeout=900, check=True).stdout.split()
    if out[0] != "201":
        raise SystemExit(f"curl upload answered {out[0]}")
    return float(out[1])


def _runs(rs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in rs)


def make_file(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        for _ in range(size // MiB):
            fh.write(os.urandom(MiB))
    return path


# -- the three measurements --------------------------------------------------------------
def bench_backend(tmp: Path, size_mb: int, runs: int) -> None:
    path = make_file(tmp / "big.mp4", size_mb * MiB)
    curl_t, ours_t, known_t, diag_t, rss = [], [], [], [], []
    for _ in range(runs):
        for who in ("curl", "ours", "known", "diag"):
            data = tmp / f"server-{who}"
            proc, url = start_backend(data)
            try:
                if who == "curl":
                    curl_t.append(curl_multipart(url, path))
                else:
                    kind = {"ours": "backend", "known": "backend-known", "diag": "diag"}[who]
                    r = run_client(kind, url, str(path))
                    assert r["sha_ok"], r
                    {"ours": ours_t, "known": known_t, "diag": diag_t}[who].append(r["seconds"])
                    rss.append(r["peak_rss_mb"])
            finally:
                stop(proc)
                shutil.rmtree(data, ignore_errors=True)
    mb = size_mb * MiB / 1e6
    best_curl, best_ours, best_known = min(curl_t), min(ours_t), min(known_t)
    print(f"[1] {size_mb} MiB to the reference backend (best of {runs}):")
    print(f"    curl multipart : {best_curl:6.2f} s  {mb / best_curl:7.1f} MB/s   "
          f"(runs: {', '.join(f'{t:.2f}' for t in curl_t)})")
    print(f"    this client    : {best_ours:6.2f} s  {mb / best_ours:7.1f} MB/s   "
          f"(runs: {', '.join(f'{t:.2f}' for t in ours_t)})")
    print(f"    client, sha256 known from the pipeline: {best_known:6.2f} s  "
          f"{mb / best_known:7.1f} MB/s   (runs: {', '.join(f'{t:.2f}' for t in known_t)})")
    print(f"    diagnostic, one PATCH without checksum: {min(diag_t):6.2f} s  "
          f"{mb / min(diag_t):7.1f} MB/s   (runs: {', '.join(f'{t:.2f}' for t in diag_t)})")
    print(f"    throughput ratio (client / curl): {best_curl / best_ours:.2f} hashing while "
          f"sending, {best_curl / best_known:.2f} with the sha256 known  (target >= 0.9)")
    med = statistics.median
    print(f"    same, medians of the {runs} runs (a lucky run moves a best-of ratio): "
          f"{med(curl_t) / med(ours_t):.2f} hashing while sending, "
          f"{med(curl_t) / med(known_t):.2f} with the sha256 known")
    print(f"    client peak RSS: {max(rss):.0f} MB  (target <= 150 MB)")
    path.unlink()


def bench_tus_node(tmp: Path, size_mb: int, runs: int) -> None:
    path = make_file(tmp / "mid.mp4", size_mb * MiB)
    store = tmp / "tus-store"
    store.mkdir()
    proc, endpoint = start_tus_node(store)
    size = str(size_mb * MiB)
    chunk = str(8 * MiB)
    # (label, runner): each client at its default, then both with the same 8 MiB chunks.
    variants = {
        "tus-js-client, default (one request)": ("js", ""),
        "this client, default (8 MiB chunks)": ("py", ""),
        "tus-js-client, 8 MiB chunks": ("js", chunk),
        "this client, one request": ("py", size),
    }
    results: dict[str, list[dict]] = {k: [] for k in variants}
    try:
        for _ in range(runs):
            for label, (who, chunk_arg) in variants.items():
                if who == "js":
                    argv = ["node", str(INTEROP / "tusjs_bench_upload.mjs"), endpoint, str(path)]
                    js = subprocess.run(argv + ([chunk_arg] if chunk_arg else []), cwd=INTEROP,
                                        capture_output=True, text=True, timeout=600, check=True)
                    r = json.loads(js.stdout.strip().splitlines()[-1])
                    r["peak_rss_mb"] = r["peak_rss"] / MiB
                else:
                    r = run_client("tus", endpoint, str(path), chunk_arg)
                results[label].append(r)
                for f in store.iterdir():
                    f.unlink()
    finally:
        stop(proc)
    mb = size_mb * MiB / 1e6
    print(f"[2] {size_mb} MiB to @tus/server (best of {runs}; RSS = peak of the client process):")
    best = {}
    for label, rs in results.items():
        b = best[label] = min(rs, key=lambda r: r["seconds"])
        print(f"    {label:38s}: {b['seconds']:6.2f} s  {mb / b['seconds']:7.1f} MB/s  "
              f"peak RSS {max(r['peak_rss_mb'] for r in rs):4.0f} MB  "
              f"(runs: {_runs(rs)})")
    labels = list(variants)
    print(f"    speed ratio, defaults (tus-js / this): "
          f"{best[labels[0]]['seconds'] / best[labels[1]]['seconds']:.2f}; same 8 MiB chunks: "
          f"{best[labels[2]]['seconds'] / best[labels[1]]['seconds']:.2f}; one request each: "
          f"{best[labels[0]]['seconds'] / best[labels[3]]['seconds']:.2f}  (target >= 1.0)")
    path.unlink()


def bench_resend(tmp: Path, size_mb: int) -> None:
    from tests.fixtures.netfault import FaultProxy

    path = make_file(tmp / "reset.mp4", size_mb * MiB)
    data = tmp / "server-reset"
    proxy = FaultProxy("http://127.0.0.1:9").start()  # upstream set below, once the server is up
    proc, url = start_backend(data, "--public-url", proxy.url)  # reached through the proxy
    proxy.target_port = int(url.rsplit(":", 1)[1])
    try:
        base = proxy.bytes_up
        import httpx
        cfg = httpx.get(url + "/api/v1/config").json()
        chunk = cfg.get("chunk_size") or 8 * MiB
        proxy.reset_after(size_mb * MiB // 2)
        r = run_client("backend", proxy.url, str(path))
        sent = proxy.bytes_up - base
    finally:
        proxy.stop()
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)
    resent = sent - size_mb * MiB
    print(f"[3] reset at ~50 % of {size_mb} MiB (chunk {chunk // MiB} MiB): reset seen "
          f"{proxy.resets}x, retried codes {r['attempts']}, sha256 ok {r['sha_ok']}")
    print(f"    bytes on the wire beyond the file: {resent} "
          f"(requests' headers included) = {resent / chunk:.2f} chunks  (target <= 0.2)")
    path.unlink()


def bench_cut_link(tmp: Path, size_mb: int, cut_mb: int = 20) -> None:
    """A link that drops every connection once it carried ``cut_mb`` MB (hotel Wi-Fi, a
    proxy with a transfer limit): how much goes over it beyond the file."""
    from tests.fixtures.netfault import FaultProxy

    size = size_mb * 1_000_000
    path = make_file(tmp / "cut.mp4", size)
    data = tmp / "server-cut"
    proxy = FaultProxy("http://127.0.0.1:9").start()
    proc, url = start_backend(data, "--public-url", proxy.url)
    proxy.target_port = int(url.rsplit(":", 1)[1])
    try:
        import httpx
        chunk = httpx.get(url + "/api/v1/config").json().get("chunk_size") or 8 * MiB
        base = proxy.bytes_up
        proxy.reset_each_after(cut_mb * 1_000_000)
        r = run_client("backend", proxy.url, str(path))
        wire = proxy.bytes_up - base - size
    finally:
        proxy.stop()
        stop(proc)
        shutil.rmtree(data, ignore_errors=True)
    handed = r["handed_to_socket"] - size
    print(f"[4] {size_mb} MB through a link that resets every connection after {cut_mb} MB "
          f"(chunk {chunk // MiB} MiB): {proxy.resets} resets, retried codes {r['attempts']}, "
          f"sha256 ok {r['sha_ok']}, {r['seconds']:.1f} s")
    print(f"    bytes on the wire beyond the file: {wire} = {wire / size:.1%} of the file "
          f"(target < 10 %); handed to the client's socket beyond it: {handed} "
          f"({handed / size:.1%}: what died in socket buffers at each reset)")
    path.unlink()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        kind, target, path = sys.argv[2:5]
        if kind == "tus":
            client_tus(target, path, *sys.argv[5:6])
        elif kind == "diag":
            client_diag(target, path)
        else:
            client_backend(target, path, known=kind == "backend-known")
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--tus-size-mb", type=int, default=300)
    ap.add_argument("--reset-size-mb", type=int, default=200)
    ap.add_argument("--cut-size-mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--only", choices=["backend", "tus", "reset", "cut"])
    args = ap.parse_args()
    print(f"cpus={os.cpu_count()} python={sys.version.split()[0]} "
          f"node={subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}"
          f" curl={subprocess.run(['curl', '--version'], capture_output=True, text=True).stdout.split()[1]}")
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as d:
        tmp = Path(d)
        if args.only in (None, "backend"):
            bench_backend(tmp, args.size_mb, args.runs)
        if args.only in (None, "tus"):
            bench_tus_node(tmp, args.tus_size_mb, args.runs)
        if args.only in (None, "reset"):
            bench_resend(tmp, args.reset_size_mb)
        if args.only in (None, "cut"):
            bench_cut_link(tmp, args.cut_size_mb)


if __name__ == "__main__":
    main()
