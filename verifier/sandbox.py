"""Read untrusted uploads (images, PDFs) in worker processes, each file within a fixed budget.

One hostile file must never cost the service more than a bounded amount: a 4 KB PDF of nested form
XObjects can ask PDFium for gigabytes, a decompression bomb for minutes of CPU. So the decoding of
every image and PDF (:func:`verifier.inputs.scan_input`) runs in a small pool of worker processes:

* each worker runs with an address-space limit (``RLIMIT_AS``, :data:`MEMORY_LIMIT_BYTES`) and, per
  file, a CPU limit (``RLIMIT_CPU``, :data:`CPU_LIMIT_S` seconds more than it has used so far);
* the caller waits at most :data:`TIMEOUT_S` seconds of wall-clock time for the answer; then the
  worker is killed and replaced, and the file is ``TOO_COMPLEX`` (API 422, CLI exit 64);
* a worker that dies (out of memory, CPU limit) is replaced the same way;
* no lock is held while a file is read: callers only wait for a free worker (:data:`QUEUE_WAIT_S`;
  :class:`SandboxBusy` after that), so other uploads are served by the other workers meanwhile.

Text input never goes to a worker (it is only compared with a prefix). A replacement worker starts
in the background (about half a second) while the other workers keep serving.
"""

from __future__ import annotations

import json
import os
import queue
import resource
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Any, Final

from verifier.errors import HpfVerifierError
from verifier.inputs import (
    MAX_INPUT_BYTES,
    UNREADABLE_KINDS,
    FoundCode,
    InputScan,
    UnreadableInput,
    scan_input,
)
from verifier.inputs.messages import _error
from verifier.inputs.results import _Found
from verifier.inputs.sniffing import _as_text, _sniff

__all__ = ["Sandbox", "SandboxBusy", "get_sandbox", "read_untrusted", "scan_untrusted"]

WORKERS: Final = 2
"""Worker processes per service process (the machine has few cores; one bomb leaves one free)."""
MEMORY_LIMIT_BYTES: Final = 1536 * 1024 * 1024
"""Address space of one worker: a 16 MP page render plus the decoders fit well within it."""
CPU_LIMIT_S: Final = 4
"""CPU seconds one file may use (a backstop: the wall-clock timeout normally ends it first)."""
TIMEOUT_S: Final = 1.5
"""Wall-clock seconds one file may take; the answer TOO_COMPLEX comes within about this."""
SLOW_PASS_BUDGET_S: Final = 0.8
"""Inside a worker the retry passes on a hard-to-read picture share this budget (instead of the
in-process :data:`verifier.inputs.SLOW_PASS_BUDGET_S`), so a legitimate file fits in TIMEOUT_S."""
QUEUE_WAIT_S: Final = 10.0
"""How long a caller waits for a free worker before :class:`SandboxBusy`."""
MAX_JOBS_PER_WORKER: Final = 200
"""A worker is replaced after this many files (memory fragmentation, leaks in native code)."""
_READY_WAIT_S: Final = 30.0


class SandboxBusy(HpfVerifierError):
    """Every worker stayed busy for QUEUE_WAIT_S: the service is overloaded (HTTP 503)."""

    message_zh = "服务繁忙，请稍后再试。"


# --------------------------------------------------------------------------------------------------
# The worker process: `python -m verifier.sandbox`, a plain child process speaking over its stdin and
# stdout: in, a 4-byte name length, a 4-byte data length, the file name (UTF-8) and the data; out,
# one line of JSON per file. JSON, never pickle: a worker that a hostile file took over must not be
# able to run code in the service by what it answers.

_HEADER: Final = struct.Struct(">II")


def _worker_main() -> None:
    memory_limit, cpu_limit, slow_budget = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    from verifier.inputs import pdf  # noqa: F401, PLC0415 -- imported before the memory limit applies

    _Found.slow_budget_s = slow_budget
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _answer(stdout, {"ready": os.getpid()})
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        name_len, data_len = _HEADER.unpack(header)
        filename = stdin.read(name_len).decode("utf-8", "replace") if name_len else None
        data = stdin.read(data_len)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_limit, resource.RLIM_INFINITY))
        try:
            answer: dict[str, Any] = {"ok": _scan_to_wire(scan_input(data, filename=filename))}
        except UnreadableInput as exc:
            answer = {"unreadable": [exc.kind, exc.message, exc.message_zh, exc.filename, exc.ignored]}
        except MemoryError:
            answer = {"too_complex": True}
        except Exception as exc:  # noqa: BLE001 — a decoder broke on a malformed file: that file is corrupt
            answer = {"corrupt": f"{type(exc).__name__}: {exc}"}
        del data
        _answer(stdout, answer)
        if "too_complex" in answer:
            return  # after a MemoryError nothing in this process can be trusted to be consistent


def _answer(stdout: Any, answer: dict[str, Any]) -> None:
    stdout.write(json.dumps(answer).encode() + b"\n")
    stdout.flush()


def _scan_to_wire(scan: InputScan) -> dict[str, Any]:
    return {
        "codes": [[c.text, c.source, c.page] for c in scan.codes],
        "kind": scan.kind,
        "ignored": scan.ignored,
        "undecodable": scan.undecodable,
        "pages_total": scan.pages_total,
        "pages_scanned": scan.pages_scanned,
    }


def _scan_from_wire(wire: dict[str, Any]) -> InputScan:
    codes = tuple(FoundCode(str(text), source, page) for text, source, page in wire["codes"])
    return InputScan(
        codes=codes, kind=wire["kind"], ignored=int(wire["ignored"]), undecodable=int(wire["undecodable"]),
        pages_total=wire["pages_total"], pages_scanned=wire["pages_scanned"],
    )


# --------------------------------------------------------------------------------------------------
# The pool


class _Died(Exception):
    pass


class _Worker:
    def __init__(self, memory_limit: int, cpu_limit: int, slow_budget: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "verifier.sandbox", str(memory_limit), str(cpu_limit), str(slow_budget)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
        )
        self.ready = False
        self.jobs = 0
        self._buffer = b""

    def read_line(self, timeout: float) -> dict[str, Any] | None:
        """The worker's next answer, None if it did not come within `timeout`; _Died if it died."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, _, _ = select.select([fd], [], [], left)
            if not readable:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise _Died
            self._buffer += chunk
            if len(self._buffer) > 4 * 1024 * 1024:
                raise _Died  # no honest answer is this long
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            answer = json.loads(line)
        except ValueError:
            raise _Died from None
        if not isinstance(answer, dict):
            raise _Died
        return answer

    def wait_ready(self) -> bool:
        if not self.ready:
            try:
                self.ready = self.read_line(_READY_WAIT_S) is not None
            except _Died:
                return False
        return self.ready

    def send(self, data: bytes, filename: str | None) -> None:
        assert self.process.stdin is not None
        name = (filename or "").encode("utf-8")[:1024]
        self.process.stdin.write(_HEADER.pack(len(name), len(data)) + name)
        self.process.stdin.write(data)
        self.process.stdin.flush()
        self.jobs += 1

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


class Sandbox:
    """A pool of worker processes reading untrusted files within a budget (see the module doc)."""

    def __init__(
        self,
        workers: int = WORKERS,
        *,
        timeout_s: float = TIMEOUT_S,
        memory_limit: int = MEMORY_LIMIT_BYTES,
        cpu_limit_s: int = CPU_LIMIT_S,
        slow_budget_s: float = SLOW_PASS_BUDGET_S,
        queue_wait_s: float = QUEUE_WAIT_S,
    ) -> None:
        self.timeout_s = timeout_s
        self.queue_wait_s = queue_wait_s
        self._limits = (memory_limit, cpu_limit_s, slow_budget_s)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._closed = False
        for _ in range(workers):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(*self._limits)
        self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        if not self._closed:
            self._idle.put(self._spawn())

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._all]

    def scan(self, data: bytes, *, filename: str | None = None) -> InputScan:
        """:func:`verifier.inputs.scan_input` on `data`, in a worker; TOO_COMPLEX over budget."""
        try:
            worker = self._idle.get(timeout=self.queue_wait_s)
        except queue.Empty:
            raise SandboxBusy("All file readers are busy; please try again shortly.") from None
        if not worker.wait_ready():
            self._retire(worker)
            raise SandboxBusy("The file reader could not start; please try again shortly.")
        answer: dict[str, Any] | None = None
        try:
            worker.send(data, filename)
            answer = worker.read_line(self.timeout_s)  # None: over the time budget
        except (_Died, OSError):
            answer = None  # the worker died: out of memory or CPU time
        finally:
            if answer is not None and "too_complex" not in answer and worker.jobs < MAX_JOBS_PER_WORKER:
                self._idle.put(worker)
            else:
                self._retire(worker)
        if answer is not None and "ok" in answer:
            return _scan_from_wire(answer["ok"])
        if answer is not None and "unreadable" in answer:
            kind, message, message_zh, name, ignored = answer["unreadable"]
            if kind in UNREADABLE_KINDS:
                raise UnreadableInput(kind, message, message_zh, filename=name or None, ignored=int(ignored))
        if answer is not None and "corrupt" in answer:
            raise _error("CORRUPT", filename)
        raise _error("TOO_COMPLEX", filename, what=_what(data))

    def close(self) -> None:
        self._closed = True
        for worker in list(self._all):
            worker.kill()
        self._all.clear()


def _what(data: bytes) -> str:
    return "pdf" if b"%PDF-" in data[:1024] else "file"


_SANDBOX: Sandbox | None = None
_SANDBOX_CREATE: Final = threading.Lock()  # held only while the pool is created, never during a scan


def get_sandbox() -> Sandbox:
    """The process's pool, created on first use."""
    global _SANDBOX  # noqa: PLW0603 — one pool per process, created on first use
    if _SANDBOX is None:
        with _SANDBOX_CREATE:
            if _SANDBOX is None:
                _SANDBOX = Sandbox()
    return _SANDBOX


def scan_untrusted(
    data: bytes | bytearray | memoryview | str, *, filename: str | None = None, sandbox: Sandbox | None = None
) -> InputScan:
    """Like :func:`verifier.inputs.scan_input`, with images and PDFs read in `sandbox` (default: the
    process's pool)."""
    if isinstance(data, str):
        return scan_input(data, filename=filename)
    data = bytes(data)
    if not data or len(data) > MAX_INPUT_BYTES:  # empty / too large: answered without decoding
        return scan_input(data, filename=filename)

    if _sniff(data) is None and _as_text(data) is not None:
        return scan_input(data, filename=filename)  # text: nothing to decode
    return (sandbox or get_sandbox()).scan(data, filename=filename)


def read_untrusted(
    data: bytes | bytearray | memoryview | str, *, filename: str | None = None, sandbox: Sandbox | None = None
) -> list[FoundCode]:
    """Like :func:`verifier.inputs.read_input`, with images and PDFs read in the sandbox. A `sandbox`
    given here is closed afterwards (the CLI's one-off pool)."""
    try:
        return list(scan_untrusted(data, filename=filename, sandbox=sandbox).codes)
    finally:
        if sandbox is not None:
            sandbox.close()


if __name__ == "__main__":
    _worker_main()
