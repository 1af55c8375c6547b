"""Per-institution quotas of the verifier service: verifications and blacklist checks per minute
and per day, counted in one SQLite file that every worker shares; over a limit, 429 with
Retry-After (before: no limit at all, a leaked key could verify and check without end)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from node.settings import Settings
from verifier.api.main import create_app
from verifier.quotas import DAY, MINUTE, QuotaExceeded, Quotas, window_start

KEY = {"X-API-Key": "demo-key-91000001"}
OTHER = {"X-API-Key": "demo-key-91000002"}


def test_windows_are_fixed_and_the_day_starts_at_midnight_in_beijing() -> None:
    t = 1_764_864_000  # 2025-12-04 16:00:00 UTC = 2025-12-05 00:00 in Beijing
    assert window_start(t + 59, MINUTE) == t and window_start(t + 60, MINUTE) == t + 60
    assert window_start(t, DAY) == t and window_start(t - 1, DAY) == t - DAY
    assert window_start(t + DAY - 1, DAY) == t


def test_workers_share_the_counts_and_a_refused_charge_counts_nothing(tmp_path: Path) -> None:
    limits = {"verify": [(5, MINUTE), (8, DAY)], "blacklist": [(0, MINUTE)]}
    a, b = Quotas(tmp_path / "q.sqlite", limits), Quotas(tmp_path / "q.sqlite", limits)  # two workers
    t = 1_764_864_000 + 10
    a.charge(1, "verify", 3, now=t)
    b.charge(1, "verify", 2, now=t)
    with pytest.raises(QuotaExceeded) as info:
        a.charge(1, "verify", now=t)
    assert info.value.period == MINUTE and info.value.retry_after == 50 and "每分钟" in info.value.message_zh
    assert b.used(1, "verify", MINUTE, now=t) == 5  # the refused one was not counted
    b.charge(2, "verify", 5, now=t)  # another institution has its own quota
    a.charge(1, "verify", 3, now=t + 60)  # the next minute; 8 today
    with pytest.raises(QuotaExceeded) as info:
        b.charge(1, "verify", now=t + 120)
    assert info.value.period == DAY and info.value.retry_after == DAY - 130
    for _ in range(50):
        a.charge(1, "blacklist", now=t)  # a limit of 0 is no limit
    a.close()
    b.close()


def _settings(home: Path, **quotas: int) -> Settings:
    return Settings(home=home, deployments_dir=home / "no-deployments", node_port=1, **quotas)


def test_the_api_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = _settings(tmp_path, verifier_verifications_per_minute=4, verifier_blacklist_checks_per_minute=2)
    # Two apps on one data directory stand for two workers of one service.
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        assert one.post("/v1/verify/batch", json={"items": ["HPF1:X", "HPF1:Y"]}, headers=KEY).status_code == 200
        assert two.post("/v1/verify", json={"hpf1": "HPF1:X"}, headers=KEY).status_code in (200, 422)
        assert one.post("/v1/verify/batch", json={"items": ["HPF1:Z"]}, headers=KEY).status_code == 200
        r = two.post("/v1/verify/batch", json={"items": ["HPF1:X"]}, headers=KEY)
        assert r.status_code == 429, r.text
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert "超出配额" in r.json()["detail"]["error_zh"] and "per minute" in r.json()["detail"]["error"]
        assert one.post("/v1/verify/batch", json={"items": ["HPF1:X"]}, headers=OTHER).status_code == 200
        subject = "ab" * 32
        for _ in range(2):
            assert one.get(f"/v1/blacklist/{subject}", headers=KEY).status_code != 429
        r = two.get(f"/v1/blacklist/{subject}", headers=KEY)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert one.post("/v1/verify/batch", json={"items": ["HPF1:X"]}).status_code == 401  # no key: no count
