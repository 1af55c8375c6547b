"""Login limits and quotas counted in the centre's database (SQLite and PostgreSQL): the client
address behind proxies, delays that grow and are forgotten, and counts two workers share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from issuer.db import make_engine
from issuer.db.models import utcnow
from issuer.limits import Attempt, LoginPolicy, LoginThrottle, client_address, parse_networks
from issuer.quotas import DAY, QuotaExceeded, charge, charge_certificate

PROXIES = parse_networks("10.0.0.0/8, 2001:db8::1")


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("192.0.2.1", "198.51.100.7", "192.0.2.1"),  # not a proxy: its header is ignored
        ("127.0.0.1", "198.51.100.7", "127.0.0.1"),  # loopback is no proxy unless configured
        ("10.0.0.9", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.9", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client wrote the left part
        ("10.0.0.9", "198.51.100.7, 10.1.1.1", "198.51.100.7"),  # two proxies in a row
        ("10.0.0.9", "not-an-ip, 198.51.100.7", "198.51.100.7"),
        ("10.0.0.9", "198.51.100.7, garbage", "10.0.0.9"),
        ("10.0.0.9", None, "10.0.0.9"),
        ("2001:db8::1", "2001:db8::42", "2001:db8::42"),
        (None, "198.51.100.7", "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: str | None, expected: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_a_bad_proxy_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        parse_networks("10.0.0.1, nonsense")


def test_delays_grow_and_are_forgotten(engine: Engine) -> None:
    policy = LoginPolicy(free_tries=2, first_delay=10, max_delay=35, forget_after=3600, per_address=100)
    limits = LoginThrottle(engine, 460100, policy=policy)
    who = Attempt(account="460100199001011234", address="198.51.100.7")
    t = utcnow()
    assert limits.failed(who, now=t) == 1 and limits.wait(who, now=t) == 0
    assert limits.failed(who, now=t) == 0 and limits.wait(who, now=t) == 10
    limits.failed(who, now=t + timedelta(seconds=10))
    assert limits.wait(who, now=t + timedelta(seconds=10)) == 20
    limits.failed(who, now=t + timedelta(seconds=30))
    assert limits.wait(who, now=t + timedelta(seconds=30)) == 35  # capped
    # Another worker (its own engine) sees the same counts.
    other = LoginThrottle(make_engine(engine.url.render_as_string(hide_password=False)), 460100, policy=policy)
    assert other.wait(who, now=t + timedelta(seconds=30)) == 35
    # Another centre in the same database counts apart.
    assert LoginThrottle(engine, 460200, policy=policy).wait(who, now=t + timedelta(seconds=30)) == 0
    # An hour after the last failure, they are forgotten; the next failure starts again at one.
    later = t + timedelta(seconds=30 + 3601)
    assert limits.wait(who, now=later) == 0
    assert limits.failed(who, now=later) == 1
    limits.succeeded(who)
    assert limits.wait(who, now=later) == 0 and limits.failed(who, now=later) == 1
    other.engine.dispose()


def test_quota_shared_by_workers_and_refused_charges_count_nothing(engine: Engine) -> None:
    other = make_engine(engine.url.render_as_string(hide_password=False))  # a second worker
    t = 1_764_864_000 + 100  # 100 s after midnight in Beijing
    assert charge(engine, 460100, "certificates:7", 3, DAY, now=t) == 1
    assert charge(other, 460100, "certificates:7", 3, DAY, now=t, n=2) == 3
    with pytest.raises(QuotaExceeded) as info:
        charge(engine, 460100, "certificates:7", 3, DAY, now=t)
    assert info.value.retry_after == DAY - 100
    assert charge(other, 460100, "certificates:8", 3, DAY, now=t) == 1  # someone else
    assert charge(engine, 460100, "certificates:7", 3, DAY, now=t + DAY - 100) == 1  # the next day
    with pytest.raises(QuotaExceeded) as info:  # noqa: PT012 — the third charge raises
        for _ in range(3):
            charge_certificate(other, 460100, 7, 3, now=t + DAY)
    assert "已达每日上限" in (info.value.message_zh or "") and info.value.limit == 3
    charge_certificate(engine, 460100, 7, 0, now=t + DAY)  # 0 = no limit
    other.dispose()
