"""Money, rates and account statuses have one way of being written (verifier/labels.py), used by
the PDF, the portal's API, the CLI, and the verifier's page and disclosures."""

from __future__ import annotations

from issuer import documents
from issuer.api import services
from verifier import disclosure, explain, labels


def test_money_rates_and_statuses() -> None:
    assert labels.yuan(1_234_567) == "12,345.67" and labels.yuan(5) == "0.05" and labels.yuan(-150) == "-1.50"
    assert labels.format_fen(800_000) == "8,000.00 元"
    assert [labels.format_rate(b) for b in (1200, 550, 1234, 5)] == ["12%", "5.5%", "12.34%", "0.05%"]
    assert labels.ACCOUNT_STATUS_ZH == {"normal": "正常", "sealed": "封存", "closed": "销户"}


def test_every_user_writes_them_the_same_way() -> None:
    assert documents.format_fen is labels.format_fen and documents.format_rate is labels.format_rate
    assert services.yuan is labels.yuan
    assert explain.ACCOUNT_STATUS_ZH is labels.ACCOUNT_STATUS_ZH
    assert disclosure.value_zh("monthly_amount", 200_000) == "2,000.00 元"
    assert disclosure.value_zh("employee_rate_bp", 1250) == "12.5%"
    assert disclosure.value_zh("account_status", "sealed") == "封存"
