"""What the Solidity sources promise beside compiling: the golden constants of the Solidity
tests are those of docs/test-vectors (Solidity tests cannot read the files), and every event and
custom error carries NatSpec."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from node.compiler import PROJECT_ROOT

VECTORS = PROJECT_ROOT / "docs" / "test-vectors"
GOLDEN_TEST = PROJECT_ROOT / "contracts" / "test" / "CertificateLedger.t.sol"


def _vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text())  # type: ignore[no-any-return]


def _solidity_constants(path: Path) -> dict[str, str]:
    pattern = r"bytes32 internal constant (\w+) = 0x([0-9a-fA-F]{64});"
    return {name: value.lower() for name, value in re.findall(pattern, path.read_text())}


def test_solidity_golden_constants_are_the_test_vectors() -> None:
    eddsa, es256, one, other = (
        _vector("valid-eddsa"), _vector("valid-es256"), _vector("valid-batch-of-one"), _vector("proof-invalid")
    )
    expected = {
        "EDDSA_DIGEST": eddsa["expected"]["digest"],
        "EDDSA_LEAF": eddsa["proof"]["leaf"],
        "ES256_DIGEST": es256["expected"]["digest"],
        "ES256_LEAF": es256["proof"]["leaf"],
        "THIRD_NODE": eddsa["proof"]["siblings"][1],
        "ROOT": eddsa["proof"]["root"],
        "ONE_DIGEST": one["expected"]["digest"],
        "ONE_ROOT": one["proof"]["root"],
        "OTHER_ROOT": other["proof"]["root"],
    }
    assert _solidity_constants(GOLDEN_TEST) == expected, (
        "contracts/test/CertificateLedger.t.sol's golden constants differ from docs/test-vectors: "
        "copy them from the vectors (scripts/make_test_vectors.py writes those)"
    )
    # The vectors agree with each other the way the Solidity test uses them.
    assert es256["proof"]["root"] == eddsa["proof"]["root"]
    assert es256["proof"]["siblings"] == [eddsa["proof"]["leaf"], eddsa["proof"]["siblings"][1]]
    assert eddsa["proof"]["siblings"][0] == es256["proof"]["leaf"]
    assert one["proof"]["leaf"] == one["proof"]["root"] and one["proof"]["siblings"] == []
    assert other["expected"]["digest"] == eddsa["expected"]["digest"] and other["expected"]["proof_valid"] is False


def _declarations_without_natspec(path: Path) -> list[str]:
    """`event`/`error` declarations whose preceding line is not a `///` NatSpec comment."""
    missing = []
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines):
        m = re.match(r"\s*(event|error) (\w+)\(", line)
        if m and (n == 0 or not lines[n - 1].strip().startswith("///")):
            missing.append(f"{path.relative_to(PROJECT_ROOT)}:{n + 1} {m.group(1)} {m.group(2)}")
    return missing


SOURCES = sorted((PROJECT_ROOT / "contracts").glob("*.sol")) + sorted((PROJECT_ROOT / "contracts" / "interfaces").glob("*.sol"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_every_event_and_custom_error_has_natspec(path: Path) -> None:
    assert _declarations_without_natspec(path) == []


def test_the_natspec_check_sees_declarations() -> None:
    declared = sum(
        len(re.findall(r"^\s*(?:event|error) \w+\(", p.read_text(), flags=re.MULTILINE)) for p in SOURCES
    )
    assert declared > 60  # 4 interfaces' events and errors: the check above is not vacuous
