"""The verifier's per-institution API keys: hashed at rest, revocable, private file."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from verifier.apikeys import ApiKeyStore


def test_keys_are_hashed_at_rest_and_revocable(tmp_path: Path) -> None:
    store = ApiKeyStore(tmp_path / "verifier" / "apikeys.sqlite")
    assert store.list() == [] and store.institution_for("hpfk_nothing") is None
    a, key_a = store.add(91000003, "loan desk")
    b, key_b = store.add(91000003)
    _, key_c = store.add(91000001)
    assert len({key_a, key_b, key_c}) == 3 and key_a.startswith("hpfk_") and len(key_a) > 40
    raw = store.path.read_bytes()
    assert key_a.encode() not in raw and hashlib.sha256(key_a.encode()).digest() in raw
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert store.institution_for(key_a) == 91000003 and store.institution_for(key_c) == 91000001
    assert store.institution_for(key_a + "x") is None and store.institution_for("demo-key-91000001") is None
    assert store.revoke(a.id) and not store.revoke(a.id) and not store.revoke(999)
    assert store.institution_for(key_a) is None and store.institution_for(key_b) == 91000003
    assert store.institutions() == {91000001, 91000003}
    listed = {k.id: k.to_json() for k in store.list()}
    assert listed[a.id]["status"] == "revoked" and listed[b.id]["status"] == "active"
    assert listed[a.id]["label"] == "loan desk" and key_a.startswith(listed[a.id]["key_prefix"])
