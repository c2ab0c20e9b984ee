"""What an oversized anonymous POST to a Dash callback costs the web process.

    python -m benchmarks.body_limits                 # 150 MB, shipped limits
    python -m benchmarks.body_limits --no-limits     # limits raised past the body: before

Starts `coc web` as its own process on a free loopback port (fresh data folder), sends
one anonymous `POST /_dash-update-component` of `--mb` megabytes of JSON, and reports the
status, the time to the answer and the server's peak RSS (VmHWM) before and after.
`--no-limits` raises http.max_body_mb above the body, so the request is read and parsed
whole, as before request limits existed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"coc web exited with {proc.returncode}")
        try:
            if requests.get(f"{url}/api/v1/health", timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit("coc web did not start")


def run(megabytes: int, no_limits: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site.yaml"
        big = megabytes + 50
        raised = f"http:\n  max_body_mb: {big}\n  max_upload_mb: {big}\n"
        site.write_text(raised if no_limits else "{}\n", encoding="utf-8")
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("COC_")}
        env |= {"COC_DATA_DIR": tmp, "COC_HTTP_PORT": str(port), "COC_CONFIG": str(site)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "coc.cli", "web"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url, proc)
            before = _peak_rss_mib(proc.pid)
            filler = "x" * 1000
            values = [filler] * (megabytes * 1024 * 1024 // 1004)
            body = json.dumps({"output": "a.b", "inputs": [{"value": values}]}).encode()
            started = time.perf_counter()
            answer = requests.post(
                f"{url}/_dash-update-component",
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=300,
            )
            seconds = time.perf_counter() - started
            after = _peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    return {
        "body_mb": round(len(body) / 2**20, 1),
        "limits": "raised past the body" if no_limits else "shipped defaults",
        "status": answer.status_code,
        "reason": answer.text[:120],
        "seconds": round(seconds, 2),
        "peak_rss_before_mib": round(before, 1),
        "peak_rss_after_mib": round(after, 1),
        "peak_rss_growth_mib": round(after - before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=150, help="body size in MB (default 150)")
    parser.add_argument("--no-limits", action="store_true", help="raise the limits: before")
    args = parser.parse_args()
    print(json.dumps(run(args.mb, args.no_limits), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
