"""The Besu QBFT configuration `hpf network config` writes (never run against Besu here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rlp
from typer.testing import CliRunner

from node.besu import BFT_MIX_HASH, BesuConfigError, qbft_extra_data, read_extra_data, write_qbft_config
from node.network_cli import app  # the group itself: the hpf root callback would bind logging to the runner

ADDRS = ["0x" + bytes([i]) .hex() * 20 for i in (0x11, 0x22, 0x33, 0x44)]


def test_extra_data_round_trips_and_has_the_qbft_layout() -> None:
    extra = qbft_extra_data(ADDRS)
    assert read_extra_data(extra) == ADDRS
    vanity, validators, vote, round_, seals = rlp.decode(bytes.fromhex(extra[2:]))
    assert vanity == b"\x00" * 32 and len(validators) == 4 and vote == [] and round_ == b"" and seals == []
    # Besu's documented example for these four validators' layout: f8 7a (list), a0 + 32 zero bytes, f8 54 (4 × 21 bytes).
    assert extra.startswith("0xf87aa0" + "00" * 32 + "f854")
    assert extra.endswith("c080c0")


def test_config_writes_genesis_and_one_directory_per_validator(tmp_path: Path) -> None:
    vals = [{"name": f"centre {i}", "address": a, "enode": f"enode://{'ab' * 64}@10.0.0.{i}:30303"}
            for i, a in enumerate(ADDRS)]
    (tmp_path / "v.json").write_text(json.dumps(vals))
    result = CliRunner().invoke(app, ["config", "--engine", "besu-qbft", "--validators",
                                      str(tmp_path / "v.json"), "--out", str(tmp_path / "out"), "--block-period", "2"])
    assert result.exit_code == 0, result.output
    genesis = json.loads((tmp_path / "out" / "genesis.json").read_text())
    assert genesis["config"]["qbft"] == {"blockperiodseconds": 2, "epochlength": 30000, "requesttimeoutseconds": 6}
    assert genesis["config"]["zeroBaseFee"] is True and genesis["mixHash"] == BFT_MIX_HASH
    assert genesis["difficulty"] == "0x1" and read_extra_data(genesis["extraData"]) == ADDRS
    first = tmp_path / "out" / "centre-0"
    toml = (first / "config.toml").read_text()
    assert "min-gas-price=0" in toml and 'rpc-http-host="127.0.0.1"' in toml
    assert len(json.loads((first / "static-nodes.json").read_text())) == 3


@pytest.mark.parametrize("content, why", [
    ("[]", "non-empty"),
    ('[{"name": "a", "address": "0x12"}]', "40 hex"),
    ('[{"name": "a", "address": "0x' + "11" * 20 + '"}, {"name": "b", "address": "0x' + "11" * 20 + '"}]', "same address"),
])
def test_bad_validators_files_are_refused_in_one_sentence(tmp_path: Path, content: str, why: str) -> None:
    (tmp_path / "v.json").write_text(content)
    with pytest.raises(BesuConfigError, match=why):
        write_qbft_config(tmp_path / "v.json", tmp_path / "out", chain_id=46001)
    result = CliRunner().invoke(app, ["config", "--validators", str(tmp_path / "v.json"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 64
