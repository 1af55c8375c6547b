"""The table rows of a minimal certificate's PDF: the disclosed fields, then the centre's signed
statements in plain Chinese (例如："连续缴存满 12 个月：是"). Kept apart from documents.py."""

from __future__ import annotations

from typing import Any

from verifier import format as fmt
from verifier.disclosure import FIELD_ZH, MinimalCertificate, value_zh


def minimal_rows(c: MinimalCertificate, row: Any, format_time: Any) -> list[Any]:
    """`row` is documents._Row; `format_time` documents.format_time."""
    shown = list(c.disclosed)
    rows = [row("section", title="职工信息（最小披露）")]
    rows.extend(row("pair", tuple((FIELD_ZH[n], value_zh(n, v)) for n, v in shown[i:i + 2]))
                for i in range(0, len(shown), 2))
    if c.claims:
        rows.append(row("section", title="中心签署的说明"))
        rows.extend(row("wide", (("说明", claim.text_zh()),)) for claim in c.claims)
    withheld = [FIELD_ZH[n] for n in FIELD_ZH if n not in dict(shown)]
    if withheld:
        rows.append(row("wide", (("未披露", "、".join(withheld)),)))
    audience = f"机构编号 {c.audience}（仅限该机构使用）" if c.audience is not None else "不限定使用机构"
    rows += [
        row("section", title="证明信息"),
        row("pair", (("证明用途", fmt.PURPOSES[c.purpose][1]), ("使用机构", audience))),
        row("pair", (("出具时间", format_time(c.issued_at)), ("有效期至", format_time(c.valid_until)))),
    ]
    if c.supersedes is not None:
        rows.append(row("wide", (("替代证明", f"本证明替代编号 {c.supersedes} 的证明，原证明作废"),)))
    return rows
