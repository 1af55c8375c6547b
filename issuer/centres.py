"""A centre's name and its PDF-signing credentials, for the CLI and the portal alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from issuer.settings import IssuerSettings
from node import accounts as demo

__all__ = ["centre_name", "known_centre_name", "pdf_signer"]


def known_centre_name(centre: int, centres: Callable[[], list[dict[str, Any]]] | None = None) -> str | None:
    """The centre's name from the demo list, else from the chain's index (`centres()`: the
    indexer's synced list); None when neither knows it."""
    try:
        return demo.demo_centre(centre).name
    except KeyError:
        pass
    if centres is not None:
        try:
            for c in centres():
                if c["code"] == centre:
                    return str(c["name"])
        except Exception:  # noqa: BLE001, S110 — a name is a nicety; the code always works
            pass
    return None


def centre_name(centre: int, centres: Callable[[], list[dict[str, Any]]] | None = None) -> str:
    """The centre's name (`known_centre_name`), else a generic name with its code. Certificates
    carry only the code."""
    return known_centre_name(centre, centres) or f"住房公积金管理中心 {centre}"


def pdf_signer(centre: int, name: str, settings: IssuerSettings) -> Any:
    """The centre's PDF-signing credentials (certificate, key, chain): its own (HPF_PDF_SIGNERS),
    else, on the local network only, issued by the DEMO CA (issuer/pdf_signer.py)."""
    from issuer.pdf_signer import load  # noqa: PLC0415 — pyHanko loads only when a PDF is signed

    return load(centre, name, settings)
