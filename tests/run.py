"""``make test``: start a private redis-server when one is installed, then run pytest.

CI sets ``TEST_REDIS_URL`` to the running Redis; a laptop without redis-server
runs the Redis-marked tests on fakeredis instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_private_redis() -> tuple[subprocess.Popen[bytes], str] | None:
    """A throwaway redis-server on a free loopback port and its URL, or None if none is installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="fieldapp-redis-")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.terminate()
    return None


def main() -> int:
    """Run the whole suite and return pytest's exit code."""
    started = None if os.environ.get("TEST_REDIS_URL") else start_private_redis()
    redis = None
    if started is not None:
        redis, os.environ["TEST_REDIS_URL"] = started
    try:
        return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]])
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
