"""Issuing, revoking and the centre's keys and service, for the centre's operators:

    hpf issue --centre 460100 --id ID [--purpose P] [--minimal] [--audience INSTITUTION] --out cert.pdf|.png|.txt [--json]
    hpf revoke --centre 460100 CERT_NUMBER --reason TEXT [--code issued-in-error] [--json]
    hpf issuer issue-all --centre 460100 [--purpose P] [--limit N] [--reissue] [--json]
    hpf issuer status --centre 460100 [--json]
    hpf issuer rotate-key --centre 460100 [--algorithm ed25519|es256|sm2]
    hpf issuer set-password --centre 460100 --id ID   (the password from stdin, or asked twice)
    hpf issuer serve --centre 460100 [--host H] [--port P]

Exit codes: 0 done, 1 refused or failed (one sentence says why), 64 bad usage or bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from issuer.cli import EXIT_USAGE, Centre, JsonOut, _Command, _errors, _fail, app, err, out
from issuer.errors import EXIT_FAILURE

__all__ = ["issue_command", "revoke_command"]

_OUT_SUFFIXES = (".pdf", ".png", ".txt")


@contextmanager
def _chain_errors(json_out: bool = False) -> Iterator[None]:
    """The issuer's errors, and the chain's (node down, wrong chain, a refused call), as one sentence."""
    from node.errors import HpfNodeError
    from verifier.chain import ChainUnavailable

    with _errors(json_out):
        try:
            yield
        except HpfNodeError as exc:
            _fail(str(exc), "无法使用区块链节点。", EXIT_FAILURE, json_out)
        except ChainUnavailable as exc:
            _fail(f"The chain cannot be reached: {exc}.", "无法连接区块链。", EXIT_FAILURE, json_out)


def _open(centre: int) -> Any:
    from issuer.ids import check_centre_code
    from issuer.issuance import open_issuer
    from issuer.settings import get_issuer_settings

    check_centre_code(centre)
    s = get_issuer_settings()
    return open_issuer(centre, batch_size=s.batch_size, batch_timeout=s.batch_timeout)


def _indexed_centres() -> list[dict[str, Any]]:
    """The centres in the chain's event index, synced (for a name the demo list does not have)."""
    from node.chain import connect
    from node.deploy import DeploymentRecord
    from node.indexer import Indexer
    from node.settings import get_settings

    ns = get_settings()
    record = DeploymentRecord.load(ns.deployment_file)
    idx = Indexer(connect(ns), record.addresses(), record.start_block, ns.index_file)
    idx.sync()
    return idx.centres()


def write_document(text: str, number: str, centre: int, path: Path) -> None:
    """Write the certificate as PDF (signed), PNG (its QR code) or TXT (the HPF1 text)."""
    from issuer import documents
    from issuer.centres import centre_name, pdf_signer
    from issuer.settings import get_issuer_settings
    from node.settings import get_settings

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        name = centre_name(centre, _indexed_centres)
        data = documents.render_pdf(text, centre_name=name, signer=pdf_signer(centre, name, get_issuer_settings()),
                                    verify_url=get_settings().verifier_public_url)
    elif suffix == ".png":
        from verifier.format import decode

        data = documents.render_qr_png(text, number, holder=decode(text).certificate.name,
                                       centre_name=centre_name(centre), verify_url=get_settings().verifier_public_url)
    else:
        data = (text + "\n").encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def issue_command(
    centre: Centre,
    id_number: Annotated[str, typer.Option("--id", metavar="ID", help="The employee's resident ID number (身份证号).")],
    out_path: Annotated[
        Path, typer.Option("--out", metavar="PATH", help="Where to write it: a .pdf (signed A4), .png (QR) or .txt (HPF1 text).")
    ],
    purpose: Annotated[
        str,
        typer.Option(help="housing-loan, commercial-loan, rental, settlement, employment or other (用途)."),
    ] = "housing-loan",
    audience: Annotated[
        int | None, typer.Option(metavar="INSTITUTION_ID", help="Only this lending institution may rely on it (指定机构).")
    ] = None,
    minimal: Annotated[
        bool, typer.Option("--minimal", help="The purpose's minimal certificate (最小披露): only the fields the "
                           "purpose needs, plus signed statements such as 连续缴存满 12 个月; see docs/privacy.md.")
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Issue a deposit certificate (出具缴存证明) for one employee: signed, anchored on chain in a
    Merkle batch, written as PDF, PNG or text. --minimal issues the purpose's minimal certificate
    (for housing-loan that is the full one). --json prints the certificate's record."""
    if out_path.suffix.lower() not in _OUT_SUFFIXES:
        _fail(f"--out must end in {', '.join(_OUT_SUFFIXES)}, not {out_path.name!r}.",
              "--out 须以 .pdf、.png 或 .txt 结尾。", EXIT_USAGE, json_out)
    with _chain_errors(json_out):
        issuer = _open(centre)
        cert = issuer.request(id_number=id_number, purpose=purpose, audience=audience, minimal=minimal)
        assert cert.text is not None
        write_document(cert.text, cert.number, centre, out_path)
    if json_out:
        print(json.dumps({**cert.to_json(), "out": str(out_path)}, ensure_ascii=False))
        return
    out.print(f"issued {cert.number} (已出具), anchored in block {cert.anchored_block}; written to {out_path}",
              highlight=False)


def revoke_command(
    centre: Centre,
    number: Annotated[str, typer.Argument(metavar="CERT_NUMBER", help="e.g. 460100-2026-00000123", show_default=False)],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why (撤销原因); kept by the centre.")],
    code: Annotated[
        str,
        typer.Option(help="The reason code on chain: superseded, issued-in-error, account-changed, key-compromised, other."),
    ] = "other",
    json_out: JsonOut = False,
) -> None:
    """Revoke a certificate (撤销证明): the ledger checks on chain that it is in a batch this
    centre anchored (Merkle proof), then every verifier sees it REVOKED."""
    from issuer.issuance import REVOCATION_REASONS

    if code not in REVOCATION_REASONS:
        _fail(f"--code must be one of {', '.join(REVOCATION_REASONS)}, not {code!r}.",
              "撤销原因代码无效。", EXIT_USAGE, json_out)
    with _chain_errors(json_out):
        issuer = _open(centre)
        cert = issuer.revoke(number, reason, code=REVOCATION_REASONS[code])
    if json_out:
        print(json.dumps(cert.to_json(), ensure_ascii=False))
        return
    out.print(f"revoked {cert.number} (已撤销): {cert.revocation_reason}", highlight=False)


@app.command("issue-all", cls=_Command)
def issue_all_command(
    centre: Centre,
    purpose: Annotated[str, typer.Option(help="The purpose written on every certificate.")] = "housing-loan",
    limit: Annotated[int | None, typer.Option(min=1, metavar="N", help="At most N accounts.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=0, help="Signing processes (default 0: sign in this process).")
    ] = None,
    reissue: Annotated[
        bool, typer.Option("--reissue",
                           help="Issue also to accounts that already hold a current certificate of the same content.")
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Issue a certificate for every account that is not closed and has deposits (批量出具), with a
    progress bar and a summary. Safe to interrupt and run again: what was stored is anchored on
    the next run of any issuer command for the centre, and accounts that already hold a current
    certificate of the same content (same purpose, figures unchanged) are skipped unless
    --reissue; the summary (and --json "already_current") says how many."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with _chain_errors(json_out):
        issuer = _open(centre)
        issuer.recover()
        if json_out:
            report = issuer.issue_all(purpose=purpose, limit=limit, workers=workers, reissue=reissue)
        else:
            with Progress(TextColumn("issuing 出具"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("issue", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = issuer.issue_all(purpose=purpose, limit=limit, workers=workers, progress=progress,
                                          reissue=reissue)
    summary = report.to_json()
    if json_out:
        print(json.dumps(summary, ensure_ascii=False))
        return
    out.print(
        f"issued {report.issued} certificates (已出具) in {report.batches} batches, {report.seconds:.1f} s "
        f"({summary['per_second'] or 0:,.0f}/s); {report.skipped} accounts without deposits skipped; "
        f"{report.already_current} already hold a current certificate of the same content, skipped "
        "(已有相同内容的有效证明，跳过；--reissue 重新出具)",
        highlight=False,
    )


@app.command("status", cls=_Command)
def status_command(centre: Centre, json_out: JsonOut = False) -> None:
    """Issuance status (签发状态): certificates by state, batches by state, the last anchored batch,
    the signing key in use (`signing_key`: id, algorithm, public key, hex) and the PDF signer
    (`pdf_signer`: its own certificate or the DEMO CA). Also anchors whatever a crash left waiting."""
    with _chain_errors(json_out):
        issuer = _open(centre)
        issuer.recover()
        status = issuer.status()
        status["pdf_signer"] = _pdf_signer_status(centre)
    if json_out:
        print(json.dumps(status, ensure_ascii=False))
        return
    out.print_json(data=status)


def _pdf_signer_status(centre: int) -> dict[str, Any]:
    """Which certificate signs the centre's PDFs (its own, or the DEMO CA's), or why none can."""
    from issuer.centres import centre_name, pdf_signer
    from issuer.errors import HpfIssuerError
    from issuer.pdf_signer import describe
    from issuer.settings import get_issuer_settings

    try:
        return describe(pdf_signer(centre, centre_name(centre), get_issuer_settings()))
    except HpfIssuerError as exc:
        return {"source": None, "error": exc.message, "error_zh": exc.message_zh}


@app.command("rotate-key", cls=_Command)
def rotate_key_command(
    centre: Centre,
    grace: Annotated[float, typer.Option(help="Seconds to let a running service finish signing with the old key.")] = 3.0,
    algorithm: Annotated[str | None, typer.Option(
        "--algorithm", help="ed25519 | es256 | sm2 (SM2 with SM3, the national suite). Default: the old key's.",
    )] = None,
) -> None:
    """Register a new signing key on chain and retire the old one (轮换签名密钥). Certificates
    signed with the old key and still waiting are anchored first, so all stay valid.
    `--algorithm sm2` switches the centre to the national suite (国密 SM2/SM3; the key is kept
    encrypted with SM4)."""
    from issuer.keys import admin_account, rotate
    from issuer.keystore import algorithm_named

    chosen = None
    if algorithm is not None:
        try:
            chosen = algorithm_named(algorithm)
        except ValueError as exc:
            _fail(f"{exc}.", "签名算法应为 ed25519、es256 或 sm2。", EXIT_USAGE, False)
    with _chain_errors():
        issuer = _open(centre)
        from node.chain import connect
        from node.deploy import load_contracts
        from node.sender import account_sender
        from node.settings import get_settings

        ns = get_settings()
        w3 = connect(ns)
        contracts = load_contracts(w3, ns.deployment_file)
        old, new = rotate(issuer.engine, centre, issuer.passphrase, contracts, account_sender(w3, admin_account(ns, centre), ns),
                          issuer.drain_key, grace=grace, algorithm=chosen)
    if old is None:
        out.print(f"centre {centre}: registered signing key {new.hex()} (已登记新签名密钥)", highlight=False)
    else:
        out.print(f"centre {centre}: now signing with {new.hex()}; retired {old.hex()} (已轮换签名密钥)", highlight=False)


@app.command("set-password", cls=_Command)
def set_password_command(
    centre: Centre,
    id_number: Annotated[str, typer.Option("--id", metavar="ID", help="The employee's resident ID number.")],
) -> None:
    """Set an employee's portal password (设置登录密码): read from stdin when piped, else asked twice."""
    from issuer.passwords import set_password

    if sys.stdin.isatty():
        password = typer.prompt("password 密码", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with _errors():
        engine, _ = _open_engine(centre)
        set_password(engine, centre, id_number, password)
    out.print("password set (密码已设置)", highlight=False)


def _open_engine(centre: int) -> Any:
    from issuer.cli import _open_centre
    from issuer.ids import check_centre_code

    check_centre_code(centre)
    return _open_centre(centre)


@app.command("serve", cls=_Command)
def serve_command(
    centre: Centre,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default HPF_ISSUER_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8701 Haikou, 8702 Sanya, 8703 Danzhou).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (PDFs render on several cores).")] = 1,
) -> None:
    """Serve the centre's employee portal and API (职工服务门户): login, account, request and
    download certificates, who checked them; staff endpoints for issuing, revocation and the
    blacklist; OpenAPI docs at /docs."""
    from issuer.api import serve
    from issuer.ids import check_centre_code
    from issuer.settings import get_issuer_settings

    with _errors():
        check_centre_code(centre)
        s = get_issuer_settings()
        serve(centre=centre, host=host or s.issuer_host, port=port or s.issuer_port(centre), workers=workers)
