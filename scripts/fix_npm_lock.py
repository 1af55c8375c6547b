"""Re-add EDR's other-platform builds to package-lock.json as optional entries.

The npm registry reachable here does not serve @nomicfoundation/edr's darwin, win32 and
linux-arm64 builds, so `npm install` leaves them out of the lock and `npm ci` then refuses it.
Listing them with their os/cpu lets `npm ci` skip them on this platform. Run after `npm install`.
"""

from __future__ import annotations

import json
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "package-lock.json"
PLATFORMS = {
    "darwin-arm64": ("darwin", "arm64"),
    "darwin-x64": ("darwin", "x64"),
    "linux-arm64-gnu": ("linux", "arm64"),
    "linux-arm64-musl": ("linux", "arm64"),
    "win32-x64-msvc": ("win32", "x64"),
}


def main() -> None:
    lock = json.loads(LOCK.read_text())
    packages = lock["packages"]
    version = packages["node_modules/@nomicfoundation/edr"]["version"]
    for suffix, (os_, cpu) in PLATFORMS.items():
        packages.setdefault(
            f"node_modules/@nomicfoundation/edr-{suffix}",
            {"version": version, "dev": True, "license": "MIT", "optional": True, "os": [os_], "cpu": [cpu],
             "engines": {"node": ">= 18"}},
        )
    LOCK.write_text(json.dumps(lock, indent=2) + "\n")


if __name__ == "__main__":
    main()
