"""`hpf issuer …`: a fund centre's operator commands for its accounts database.

    hpf issuer import accounts.csv --centre 460100   # exit 0 imported, 1 rows rejected, 64 bad usage
    hpf issuer accounts --centre 460100 [--json] [--reveal] [--limit N]
    hpf issuer demo-data --centre 460100 --count 200 --out var/demo/460100.csv [--seed 1]
    hpf issuer migrate --centre 460100

Every command that uses a centre's database creates it or brings its schema up to date first.
Errors a user can act on are one sentence on stderr (Chinese, then English), never a traceback.
Also runnable as `python -m issuer.cli`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table
from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperCommand

from issuer.errors import EXIT_FAILURE, EXIT_USAGE, HpfIssuerError
from verifier.labels import ACCOUNT_STATUS_ZH, yuan

if TYPE_CHECKING:
    from typer._click.exceptions import UsageError

__all__ = ["EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "app", "main"]

EXIT_OK, EXIT_REJECTED = 0, 1
_SHOWN_PROBLEMS = 50

out = Console()
if not out.is_terminal:  # piped: rich would assume 80 columns and cut the tables
    out = Console(width=160)
err = Console(stderr=True, soft_wrap=True)


# Typer carries its own copy of click; that copy's UsageError is the base of the public BadParameter.
_UsageError = cast("type[UsageError]", typer.BadParameter.__mro__[1])


class _Command(TyperCommand):
    """Bad usage (a missing or malformed option) exits 64, as `hpf verify` does, not click's 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise


app = typer.Typer(
    name="issuer",
    help="A fund centre's issuer (公积金中心签发服务): accounts, bulk issuance, keys, passwords, the portal service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs wrap to the terminal
)

Centre = Annotated[
    int,
    typer.Option(
        "--centre",
        metavar="CODE",
        show_default=False,
        help="The centre's 6-digit administrative-division code (中心代码), e.g. 460100.",
    ),
]
JsonOut = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]


def _fail(message: str, message_zh: str | None, code: int, json_out: bool) -> None:
    if json_out:
        print(json.dumps({"error": message, "error_zh": message_zh}, ensure_ascii=False))
    else:
        err.print(f"[bold red]error:[/] {message_zh + ' ' if message_zh else ''}{message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def _errors(json_out: bool = False) -> Iterator[None]:
    """Turn the errors a user can act on into one sentence and an exit code."""
    try:
        yield
    except HpfIssuerError as exc:
        _fail(exc.message, exc.message_zh, exc.exit_code, json_out)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        _fail(f"Invalid setting: {problems}.", "设置无效。", EXIT_FAILURE, json_out)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(
            f"The centre's database cannot be used: {detail}.",
            "无法使用本中心的数据库。",
            EXIT_FAILURE,
            json_out,
        )


def _shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _open_centre(centre: int) -> tuple[Engine, str]:
    """The centre's engine, its database created or migrated to the newest schema."""
    # Imports inside the commands keep `hpf --help` fast: the ORM, Alembic and Faker load only when used.
    from issuer.db import make_engine, upgrade
    from issuer.settings import get_issuer_settings

    url = get_issuer_settings().database_url_for(centre)
    engine = make_engine(url)
    upgrade(engine)
    return engine, url


def _command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return app.command(name, cls=_Command, **kwargs)


@_command("import")
def import_command(
    csv_path: Annotated[
        Path,
        typer.Argument(
            metavar="CSV",
            show_default=False,
            help="Accounts file: UTF-8 CSV with a header row (columns below).",
        ),
    ],
    centre: Centre,
    json_out: JsonOut = False,
) -> None:
    """Import accounts from CSV (导入缴存账户), all or nothing: exit 0 imported, 1 rows rejected
    and nothing written, 64 bad usage or unreadable file.

    Columns: id_number, name, employer_name, employer_account, personal_account, status
    (normal/sealed/closed), opened (YYYY-MM-DD), deposit_base, monthly_amount, balance (yuan,
    e.g. 8000.00), employee_rate, employer_rate (percent, e.g. 12), loan_outstanding
    (true/false), first_month, last_month (YYYY-MM), gaps (optional, e.g. 2019-03;2019-04).
    Rows for ID numbers already in the centre update those accounts; re-importing a file
    changes nothing.
    """
    from issuer.db import session_scope
    from issuer.ids import check_centre_code
    from issuer.importer import import_accounts

    with _errors(json_out):
        check_centre_code(centre)
        engine, _ = _open_centre(centre)
        try:
            with session_scope(engine) as session:
                report = import_accounts(session, centre, csv_path)
        finally:
            engine.dispose()
    if json_out:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif report.ok:
        out.print(
            f"imported {csv_path} into centre {centre}: {report.rows} rows, {report.created} created, "
            f"{report.updated} updated, {report.unchanged} unchanged, {report.months_written} deposit months written\n"
            f"已导入：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}",
            highlight=False,
        )
    else:
        err.print(
            f"[bold red]nothing imported:[/] {report.rejected_rows} of {report.rows} rows rejected "
            f"(未导入：{report.rows} 行中有 {report.rejected_rows} 行被拒绝)",
            highlight=False,
        )
        table = Table(show_header=True, header_style="bold")
        for column in ("row", "column", "reason"):
            table.add_column(column)
        for p in report.rejected[:_SHOWN_PROBLEMS]:
            table.add_row(str(p.row), p.column or "", f"{p.reason_zh} {p.reason}")
        err.print(table)
        if len(report.rejected) > _SHOWN_PROBLEMS:
            err.print(f"… and {len(report.rejected) - _SHOWN_PROBLEMS} more problems (--json lists all).")
    raise typer.Exit(EXIT_OK if report.ok else EXIT_REJECTED)


@_command("accounts")
def accounts_command(
    centre: Centre,
    json_out: JsonOut = False,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show full ID numbers (显示完整身份证号码); masked otherwise.")
    ] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, metavar="N", help="At most N accounts; 0 for all.")
    ] = 50,
) -> None:
    """List the centre's accounts (缴存账户列表), ID numbers masked unless --reveal.

    --json prints {"centre", "total", "accounts": [...]}, money in integer fen and rates in
    basis points, with first_month, last_month, months_paid and months_continuous.
    """
    from issuer.db import Account, DepositMonth, session_scope
    from issuer.db.months import summarise_months
    from issuer.ids import check_centre_code, mask_id

    with _errors(json_out):
        check_centre_code(centre)
        engine, _ = _open_centre(centre)
        try:
            with session_scope(engine) as session:
                total = session.scalar(
                    select(func.count()).select_from(Account).where(Account.centre_code == centre)
                )
                query = select(Account).where(Account.centre_code == centre).order_by(Account.id)
                accounts = list(session.scalars(query.limit(limit) if limit else query))
                months: dict[int, list[str]] = {a.id: [] for a in accounts}
                ids = list(months)
                for i in range(0, len(ids), 1000):
                    for account_id, month in session.execute(
                        select(DepositMonth.account_id, DepositMonth.month).where(
                            DepositMonth.account_id.in_(ids[i : i + 1000])
                        )
                    ):
                        months[account_id].append(month)
        finally:
            engine.dispose()
    if reveal:
        err.print(
            "[yellow]note:[/] full ID numbers shown (--reveal): 显示完整身份证号码，请妥善保管。",
            highlight=False,
        )
    rows: list[dict[str, Any]] = []
    for a in accounts:
        summary = summarise_months(months[a.id])
        rows.append(
            {
                "personal_account": a.personal_account,
                "name": a.name,
                "id_number": a.id_number if reveal else mask_id(a.id_number),
                "employer_name": a.employer_name,
                "employer_account": a.employer_account,
                "status": str(a.status),
                "opened": a.opened.isoformat(),
                "deposit_base": a.deposit_base,
                "employee_rate_bp": a.employee_rate_bp,
                "employer_rate_bp": a.employer_rate_bp,
                "monthly_amount": a.monthly_amount,
                "balance": a.balance,
                "loan_outstanding": a.loan_outstanding,
                "first_month": summary.first_month if summary else None,
                "last_month": summary.last_month if summary else None,
                "months_paid": summary.months_paid if summary else 0,
                "months_continuous": summary.months_continuous if summary else 0,
            }
        )
    if json_out:
        print(json.dumps({"centre": centre, "total": total, "accounts": rows}, ensure_ascii=False))
        return
    status_zh = ACCOUNT_STATUS_ZH
    table = Table(
        title=f"centre {centre}: {len(rows)} of {total} accounts",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        header_style="bold",
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("account 个人账号", "left"),
        ("name 姓名", "left"),
        ("ID 身份证号码", "left"),
        ("status 状态", "left"),
        ("monthly 月缴额", "right"),
        ("balance 余额", "right"),
        ("paid to 缴至", "left"),
        ("cont. 连续", "right"),
        ("loan 贷款", "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify, no_wrap=True)
    for r in rows:
        table.add_row(
            r["personal_account"],
            r["name"],
            r["id_number"],
            status_zh[r["status"]],
            yuan(r["monthly_amount"]),
            yuan(r["balance"]),
            r["last_month"] or "-",
            str(r["months_continuous"]),
            "有" if r["loan_outstanding"] else "无",
        )
    out.print(table)


@_command("demo-data")
def demo_data_command(
    centre: Centre,
    count: Annotated[int, typer.Option("--count", min=0, metavar="N", help="How many accounts.")],
    out_path: Annotated[Path, typer.Option("--out", metavar="FILE", help="CSV to write (importer format).")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same file (on the same day).")] = 1,
) -> None:
    """Write DEMO accounts as an import CSV (演示数据): invented people with valid ID numbers,
    Hainan employers, deposit histories with gaps, some sealed or closed accounts."""
    from issuer.demo_data import generate_csv
    from issuer.ids import check_centre_code

    with _errors():
        check_centre_code(centre)
        try:
            generate_csv(out_path, centre, count, seed)
        except OSError as exc:
            _fail(
                f"Cannot write {out_path}: {exc.strerror or exc}.",
                f"无法写入 {out_path}。",
                EXIT_USAGE,
                False,
            )
    out.print(
        f"wrote {count} demo accounts of centre {centre} to {out_path} (已生成演示数据)", highlight=False
    )


@_command("migrate")
def migrate_command(centre: Centre) -> None:
    """Create the centre's database or bring its schema up to date (创建或升级数据库)."""
    from issuer.db import current_revision, head_revision
    from issuer.ids import check_centre_code

    with _errors():
        check_centre_code(centre)
        engine, url = _open_centre(centre)
        try:
            revision = current_revision(engine)
        finally:
            engine.dispose()
    head = " (newest)" if revision == head_revision() else ""
    out.print(f"centre {centre}: database {_shown_url(url)} at revision {revision}{head}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
