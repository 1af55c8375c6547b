"""DEMO accounts for the local network: realistic but invented people, written as an import CSV
so the demo goes through the real importer (`hpf issuer demo-data`, then `hpf issuer import`).

Names come from Faker (zh_CN); ID numbers are valid, mostly registered in the centre's own
districts, some elsewhere in Hainan or in other provinces, with birth dates for ages 20 to 60;
employers are invented Hainan companies (any likeness to a real one is chance); deposit
histories have gaps and arrears; some accounts are sealed or closed; balances are roughly the
months paid times the monthly amount, less withdrawals. The same seed and `as_of` date always
give the same file; the people themselves (names, ID numbers, employers, account status) do not
depend on `as_of`, only the deposit histories do (they run to the last full month), so the demo
logins of `make run` are the same every day (README).
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from faker import Faker

from issuer.db.months import month_index, month_of, month_text
from issuer.ids import check_centre_code, make_id
from issuer.importer import COLUMNS, format_percent, format_yuan

__all__ = ["CENTRE_PROFILES", "CentreProfile", "generate_csv", "generate_rows"]


@dataclass(frozen=True, kw_only=True)
class CentreProfile:
    city: str
    districts: tuple[int, ...]  # where the centre's own people were registered
    employers: tuple[str, ...]


_HAINAN_ELSEWHERE = (  # county-level cities and counties directly under the province
    469001,
    469002,
    469005,
    469006,
    469007,
    469021,
    469022,
    469023,
    469024,
    469025,
    469026,
    469027,
    469028,
    469029,
    469030,
)
_OTHER_PROVINCES = (
    430102,
    440106,
    510107,
    450103,
    360102,
    420106,
    410105,
    440304,
    350102,
    230103,
    370102,
    320106,
)
_HAINAN_EMPLOYERS = (
    "海南椰风实业有限公司",
    "海南琼州建设工程有限公司",
    "海南南海网络科技有限公司",
    "海南自贸港物流有限公司",
    "海南新海岸旅游发展有限公司",
    "海南椰林医药连锁有限公司",
    "海南蓝海软件技术有限公司",
    "海南热带作物开发有限公司",
    "海南环岛交通服务有限公司",
    "海南琼岛电力工程有限公司",
)
CENTRE_PROFILES: dict[int, CentreProfile] = {
    460100: CentreProfile(
        city="海口",
        districts=(460105, 460106, 460107, 460108),
        employers=(
            "海口椰城物业服务有限公司",
            "海口美舍河酒店管理有限公司",
            "海口万绿园餐饮管理有限公司",
            "海口琼山热带农业开发有限公司",
            "海口秀英港务服务有限公司",
            "海口滨江置业有限公司",
            "海口龙华商贸有限公司",
            "海口美兰空港服务有限公司",
            "海口骑楼老街文化旅游有限公司",
            "海口江东新区建设发展有限公司",
        ),
    ),
    460200: CentreProfile(
        city="三亚",
        districts=(460202, 460203, 460204, 460205),
        employers=(
            "三亚湾度假酒店管理有限公司",
            "三亚鹿城旅游服务有限公司",
            "三亚南繁种业科技有限公司",
            "三亚崖州湾海洋科技有限公司",
            "三亚海棠湾免税商业管理有限公司",
            "三亚吉阳物业服务有限公司",
            "三亚天涯文化传媒有限公司",
            "三亚椰梦长廊餐饮有限公司",
            "三亚凤凰岛邮轮服务有限公司",
            "三亚热带水果贸易有限公司",
        ),
    ),
    460400: CentreProfile(
        city="儋州",
        districts=(460400,),
        employers=(
            "儋州洋浦港航物流有限公司",
            "儋州那大建筑工程有限公司",
            "儋州东坡文化旅游有限公司",
            "儋州热带橡胶加工有限公司",
            "儋州海头水产养殖有限公司",
            "儋州白马井海产品加工有限公司",
            "儋州那大供销服务有限公司",
        ),
    ),
}

_RATES = (12, 10, 8, 7, 5)
_RATE_WEIGHTS = (45, 15, 10, 10, 20)
_MIN_BASE_YUAN, _MAX_BASE_YUAN = 2010, 29_000


def _profile(centre: int) -> CentreProfile:
    profile = CENTRE_PROFILES.get(centre)
    if profile is not None:
        return profile
    return CentreProfile(city="", districts=(centre,), employers=_HAINAN_EMPLOYERS)


def _part(base_yuan: int, rate: int) -> int:
    """One half of the monthly amount in fen: base × rate, rounded half up to the yuan."""
    return int((Decimal(base_yuan) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100


#: The people's ages are drawn as of this fixed day (20 to 60), so who they are never depends on today.
PEOPLE_EPOCH = date(2026, 1, 1)


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def generate_rows(*, centre: int, count: int, seed: int, as_of: date | None = None) -> list[dict[str, str]]:
    """`count` demo accounts of `centre` as CSV rows (column → text) of the importer's format."""
    check_centre_code(centre)
    if count < 0:
        raise ValueError("count is not negative")
    as_of = as_of or date.today()  # noqa: DTZ011 — the demo's calendar day where it runs
    rng = random.Random(f"{centre}:{seed}")  # noqa: S311 — seeded demo data, no secret; the centre's employers; each person has their own below
    fake = Faker("zh_CN")
    fake.seed_instance(seed * 1_000_003 + centre)
    profile = _profile(centre)
    employers = profile.employers + _HAINAN_EMPLOYERS
    employer_weights = [rng.paretovariate(1.2) for _ in employers]  # a few large employers
    last_full_month = month_index(month_of(as_of)) - 1
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    for i in range(count):
        # 1. the person: drawn from their own generator, never from today's date
        who = random.Random(f"{centre}:{seed}:{i}:who")  # noqa: S311 — seeded demo data, no secret
        rng = random.Random(f"{centre}:{seed}:{i}:account")  # noqa: S311
        male = who.random() < 0.52
        name = fake.name_male() if male else fake.name_female()
        born = _random_day(who, PEOPLE_EPOCH - timedelta(days=60 * 365), PEOPLE_EPOCH - timedelta(days=20 * 366))
        where = who.random()
        region = who.choice(
            profile.districts if where < 0.8 else _HAINAN_ELSEWHERE if where < 0.92 else _OTHER_PROVINCES
        )
        while True:
            sequence = who.randrange(1 if male else 0, 1000, 2)
            id_number = make_id(region_code=region, birth_date=born, sequence=sequence)
            if id_number not in seen:
                seen.add(id_number)
                break

        # 2. the account: what does not depend on the date first
        employer_index = rng.choices(range(len(employers)), weights=employer_weights)[0]
        roll = rng.random()
        status = "normal" if roll < 0.85 else "sealed" if roll < 0.95 else "closed"
        base = round(min(max(rng.lognormvariate(math.log(6500), 0.45), _MIN_BASE_YUAN), _MAX_BASE_YUAN))
        employee_rate = rng.choices(_RATES, weights=_RATE_WEIGHTS)[0]
        employer_rate = employee_rate if rng.random() < 0.9 else rng.choice(_RATES)
        monthly = _part(base, employee_rate) + _part(base, employer_rate)
        earliest = max(date(born.year + 18, born.month, min(born.day, 28)), date(2000, 1, 1))
        opened = _random_day(rng, earliest, max(earliest, as_of - timedelta(days=62)))

        # 3. the deposit history
        first = month_index(month_of(opened))
        if status == "normal":
            last = last_full_month if rng.random() < 0.9 else max(first, last_full_month - rng.randint(1, 6))
        else:
            last = rng.randint(first, max(first, last_full_month - 3))
        gaps: list[int] = []
        if last - first >= 6 and rng.random() < 0.2:
            for _ in range(rng.randint(1, 2)):
                start = rng.randint(first + 1, last - 1)
                gaps.extend(m for m in range(start, start + rng.randint(1, 4)) if first < m < last)
        gaps = sorted(set(gaps))
        paid = last - first + 1 - len(gaps)

        loan = (status == "normal" and rng.random() < 0.18) or (status == "sealed" and rng.random() < 0.08)
        if status == "closed":
            balance = 0
        else:
            factor = rng.uniform(0.15, 0.6) if loan else rng.uniform(0.5, 1.12)
            balance = int(paid * monthly * factor)

        rows.append(
            {
                "id_number": id_number,
                "name": name,
                "employer_name": employers[employer_index],
                "employer_account": f"{centre}{employer_index + 1:05d}",
                "personal_account": f"{centre}{i + 1:09d}",
                "status": status,
                "opened": opened.isoformat(),
                "deposit_base": format_yuan(base * 100),
                "employee_rate": format_percent(employee_rate * 100),
                "employer_rate": format_percent(employer_rate * 100),
                "monthly_amount": format_yuan(monthly),
                "balance": format_yuan(balance),
                "loan_outstanding": "true" if loan else "false",
                "first_month": month_text(first),
                "last_month": month_text(last),
                "gaps": ";".join(month_text(g) for g in gaps),
            }
        )
    return rows


def generate_csv(
    path: Path | str, centre: int, count: int, seed: int = 1, *, as_of: date | None = None
) -> Path:
    """Write `count` demo accounts of `centre` to `path` (UTF-8 CSV, the importer's columns)."""
    rows = generate_rows(centre=centre, count=count, seed=seed, as_of=as_of)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(out)
    return out
