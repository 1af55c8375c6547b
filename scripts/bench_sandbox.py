"""What reading uploads in the sandbox costs, and what a bomb costs. Rerun: `make bench`.

Prints one table: p50/p99 of reading a normal PDF and a PNG in-process and in the sandbox (the
worker round trip), the time to answer TOO_COMPLEX for each hostile PDF (tests/verifier/hostile.py),
and the latency of a normal PDF sent while a bomb occupies the other worker.
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.verifier import hostile as H  # noqa: E402
from tests.verifier import photos as P  # noqa: E402
from verifier.inputs import UnreadableInput, scan_input  # noqa: E402
from verifier.sandbox import Sandbox  # noqa: E402

ROUNDS = 30


def _timed(fn, rounds: int = ROUNDS) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return samples


def _row(table: Table, what: str, samples: list[float]) -> None:
    s = sorted(samples)
    table.add_row(what, f"{statistics.median(s) * 1000:.0f}", f"{s[int(0.99 * (len(s) - 1))] * 1000:.0f}")


def _refused(sb: Sandbox, data: bytes) -> float:
    t = time.perf_counter()
    try:
        sb.scan(data)
    except UnreadableInput as exc:
        assert exc.kind == "TOO_COMPLEX", exc.kind  # noqa: PT017 — a benchmark, not a pytest test
    return time.perf_counter() - t


def main() -> None:
    cert = P.hpf1_like(900, seed=1)
    pdf = P.pdf_with_image(P.printed_page([cert], dpi=150), dpi=150)
    png = P.qr_png(cert)
    bombs = {"nested form XObjects": H.nested_forms(), "image bomb 20000²": H.image_bomb(20000)}
    attachment = H.attachment_bomb(512 * 1024 * 1024)
    sb = Sandbox(workers=2)
    try:
        sb.scan(png)
        table = Table("read", "p50 ms", "p99 ms", title="Uploads in the sandbox (2 workers)")
        _row(table, "PNG in-process", _timed(lambda: scan_input(png)))
        _row(table, "PNG sandbox", _timed(lambda: sb.scan(png)))
        _row(table, "PDF in-process", _timed(lambda: scan_input(pdf)))
        _row(table, "PDF sandbox", _timed(lambda: sb.scan(pdf)))
        for name, data in bombs.items():
            _row(table, f"{name} → TOO_COMPLEX", [_refused(sb, data) for _ in range(3)])
        _row(table, "attachment bomb 512 MB (skipped)", _timed(lambda: _refused_or_read(sb, attachment), 3))
        waits = []
        for _ in range(3):
            time.sleep(1.5)  # the worker the last bomb cost is replaced (a new process starts in ~0.5 s)
            with ThreadPoolExecutor(2) as pool:
                hostile = pool.submit(_refused, sb, bombs["nested form XObjects"])
                time.sleep(0.05)
                waits.append(_timed(lambda: sb.scan(pdf), 1)[0])
                hostile.result()
        _row(table, "normal PDF beside a bomb", waits)
        Console().print(table)
    finally:
        sb.close()


def _refused_or_read(sb: Sandbox, data: bytes) -> None:
    try:
        sb.scan(data)
    except UnreadableInput:
        pass


if __name__ == "__main__":
    main()
