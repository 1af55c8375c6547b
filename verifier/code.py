"""Verifying a certificate without a camera: its number and a short 核验码 printed on the PDF and
the PNG. The verifier fetches the HPF1 text from the issuing centre's public endpoint (URL per
centre in configuration) and verifies it against the chain exactly like a scan.

The code is derived from the certificate's signature, which is never on chain: knowing a number
(or a digest from the access trace) does not give the code. A wrong code reveals nothing (the
same answer as an unknown number) and failures are counted per institution and per number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque

from verifier import format as fmt
from verifier.errors import HpfVerifierError

CODE_LENGTH = 8  # base32 characters: 40 bits
_CODE_DOMAIN = b"hpf-trust verification code v1\x00"
_NUMBER = re.compile(r"^(\d{6})-\d{4}-\d{8}$")
_ALPHABET = re.compile(r"^[A-Z2-7]{8}$")
#: Characters people type for the ones base32 leaves out.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
#: The demo centres' portals on the local network (mirrors issuer.settings' default ports).
DEMO_CENTRE_URLS = {460100: "http://127.0.0.1:8701", 460200: "http://127.0.0.1:8702", 460400: "http://127.0.0.1:8703"}
FETCH_TIMEOUT = 5.0
MAX_TEXT = 16_000


class CodeError(HpfVerifierError):
    """The number and code could not be turned into a certificate; `status` is the HTTP status."""

    def __init__(self, status: int, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.status = status
        self.message_zh = message_zh


NOT_FOUND = ("No certificate matches that number and verification code.", "没有与该编号和核验码相符的证明，请核对后重试。")


def verification_code(signed: fmt.SignedCertificate) -> str:
    """The 8-character 核验码 of a certificate, shown as "ABCD-EFGH"."""
    raw = base64.b32encode(hashlib.sha256(_CODE_DOMAIN + signed.signature).digest()).decode("ascii")[:CODE_LENGTH]
    return f"{raw[:4]}-{raw[4:]}"


def code_of_text(hpf1_text: str) -> str:
    return verification_code(fmt.decode(hpf1_text))


def normalise_code(code: str) -> str | None:
    """The code as typed (spaces, dashes, lower case, 0/1/8 for O/I/B) in canonical form, or None."""
    raw = re.sub(r"[\s-]", "", code or "").upper().translate(_LOOKALIKES)
    if not _ALPHABET.match(raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def centre_of_number(number: str) -> int | None:
    m = _NUMBER.match(number.strip())
    return int(m.group(1)) if m else None


class FailureLimiter:
    """Failed attempts per key in a sliding window; beyond `limit`, refuse until the oldest leaves."""

    def __init__(self, *, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str) -> float:
        now = time.monotonic()
        with self._lock:
            q = self._seen.get(key)
            while q and now - q[0] >= self.window:
                q.popleft()
            if not q or len(q) < self.limit:
                return 0.0
            return self.window - (now - q[len(q) - self.limit])

    def failed(self, key: str) -> None:
        with self._lock:
            self._seen.setdefault(key, deque()).append(time.monotonic())


def fetch_text(base_url: str, number: str, code: str, *, timeout: float = FETCH_TIMEOUT) -> str:
    """The HPF1 text from a centre's public endpoint; CodeError 404 when it knows no such pair."""
    url = (f"{base_url.rstrip('/')}/v1/public/certificates/{urllib.parse.quote(number)}"
           f"?{urllib.parse.urlencode({'code': code})}")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),  # noqa: S310 — http(s) of the centre
                                    timeout=timeout) as resp:
            body = json.loads(resp.read(MAX_TEXT * 2))
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            raise CodeError(404, *NOT_FOUND) from exc
        if exc.code == 429:
            raise CodeError(429, "The issuing centre refuses more attempts for now; try later.",
                            "尝试次数过多，请稍后再试。") from exc
        raise CodeError(503, f"The issuing centre answered {exc.code}.", "出具中心暂时无法提供证明，请稍后重试。") from exc
    except (OSError, ValueError) as exc:
        raise CodeError(503, f"The issuing centre could not be reached: {exc}.",
                        "无法连接出具中心，请稍后重试。") from exc
    text = body.get("hpf1") if isinstance(body, dict) else None
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise CodeError(503, "The issuing centre's answer is not a certificate.", "出具中心返回的内容无法识别。")
    return text


def matches(text: str, number: str, code: str) -> bool:
    """Whether the fetched text is the certificate asked for (a centre cannot answer another one)."""
    try:
        signed = fmt.decode(text)
    except HpfVerifierError:
        return False
    return signed.certificate.number == number and verification_code(signed) == code
