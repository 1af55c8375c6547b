"""The words printed on a certificate's PDF and PNG that do not come from the payload: how to verify
it (the verifier page's address, the number and the 核验码), the institution's name, the masked
holder's name. Kept out of issuer/documents/page.py, which lays the page out."""

from __future__ import annotations

from dataclasses import dataclass

from verifier.code import verification_code
from verifier.errors import HpfVerifierError
from verifier.format import SignedCertificate, decode


@dataclass(frozen=True)
class Extras:
    """What the page prints besides the payload. Defaults print no address and the code only."""

    verify_url: str | None = None
    audience_name: str | None = None
    code: str | None = None


def extras_for(signed: SignedCertificate, *, verify_url: str | None = None,
               audience_name: str | None = None) -> Extras:
    return Extras(verify_url=verify_url.strip() if verify_url else None, audience_name=audience_name,
                  code=verification_code(signed))


def code_of(hpf1_text: str) -> str | None:
    """The 核验码 of a certificate text; None when the text does not decode."""
    try:
        return verification_code(decode(hpf1_text))
    except HpfVerifierError:
        return None


def verify_notes(extras: Extras, number: str) -> list[str]:
    """The 核验方式 paragraph, one entry per paragraph."""
    where = f"核验页面 {extras.verify_url}" if extras.verify_url else "贷款机构的核验页面"
    first = f"扫描二维码，或在{where}输入证明编号 {number} 和核验码 {extras.code}。" if extras.code else \
        f"扫描二维码或上传本证明至{where}核验。"
    return [
        first + "本证明真伪以联盟链核验结果为准。",
        "二维码含本证明的全部内容和出具中心的数字签名，任何改动都会使核验失败。",
        "本 PDF 另有出具中心的电子签名，可在 PDF 阅读器中查看签名人。",
    ]


def audience_text(audience: int | None, name: str | None) -> str:
    if audience is None:
        return "不限定使用机构"
    who = f"{name}（机构编号 {audience}）" if name else f"机构编号 {audience}"
    return f"{who}，仅限该机构使用"


def supersedes_text(number: str) -> str:
    return f"本证明替代编号 {number} 的证明，原证明已撤销"


def footer_text(valid_until: str) -> str:
    return f"本证明有效期至 {valid_until}，过期或被出具中心撤销后失效。请勿涂改。"


def mask_name(name: str) -> str:
    """The holder's name as the PNG prints it: the surname kept, the rest masked ("张*", "欧***")."""
    name = name.strip()
    if len(name) <= 1:
        return name
    return name[0] + "*" * (len(name) - 1)


def png_caption(number: str, *, code: str | None, holder: str | None, centre_name: str | None,
                verify_url: str | None) -> list[str]:
    """The lines under the QR code of the PNG."""
    lines = [f"证明编号 {number}"]
    if code:
        lines.append(f"核验码 {code}")
    who = "  ".join(x for x in (f"持证人 {mask_name(holder)}" if holder else "", centre_name or "") if x)
    if who:
        lines.append(who)
    if verify_url:
        lines.append(f"核验 {verify_url}")
    return lines
