#!/usr/bin/env python
"""Public search benchmark (issue 6): the portal's publication search and list pages against a bare Django view.

    python bench/search.py [--quick] [--json] [--seconds N]

1. Data: 1,000,000 publications (``--quick``: 100,000) with realistic decision texts (~400–600 characters: party,
   facts, the article broken, the sanction, the remedies), 8 agencies, 4 decision kinds, 1 % withdrawn and 1 %
   expired, written in bulk with the search index built by the same tokeniser as ``disclosure.search``. Generated
   once and cached under ``var/bench/search-<n>/`` (SQLite); with ``DATABASE_URL`` set, into that PostgreSQL
   database (reused when it already holds the rows). Generation is not timed.
2. Serving: ``gunicorn --workers 2`` on 127.0.0.1 with the project's settings and ``bench.search_urls`` as the
   urlconf (the real site plus ``/bench/bare/``: one indexed query — the newest 20 published rows through the
   (state, published_on) index — written out as plain text, with the same middleware). Twice: as deployed (the list
   remembers rendered pages per index version) and with that memory off (``BENCH_PAGE_MEMO=0``: the uncached path).
3. Load: ``wrk`` on loopback, in the same run, for each of: the bare view; the search page (``/publications/?q=…``,
   rotating through 240 queries: common and rare two- to four-character terms, decision numbers, with and without
   filters); the list page (rotating through pages 1–20 and the filters). Requests/second and the p95 latency (wrk's
   Lua ``done`` hook); best of the rounds. Goal: search and list pages ≥ 50 % of the bare view's requests/second.

``--json`` prints ``{"ratio_vs_bare_view": <the worse of the two ratios, as deployed>, "p95_ms": <the worse page
p95>, "uncached_ratio_vs_bare_view": ..., ...}``.
Results and the commands are recorded in docs/performance.md ("Public search").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import types
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report import Report, log, machine  # bench/report.py: the table every benchmark prints

REPO = Path(__file__).resolve().parent.parent
GENERATOR_VERSION = "5"
WORKERS = 2  # gunicorn sync workers: one per core
CONNECTIONS = 8
_FOREIGN_ENV = ("SANXIANG_EVIDENCE_DIR", "SANXIANG_UPLOAD_DIR", "SANXIANG_TASK_BACKEND")


@dataclass(frozen=True)
class Sizes:
    publications: int
    seconds: int
    rounds: int


QUICK = Sizes(publications=100_000, seconds=5, rounds=2)
FULL = Sizes(publications=1_000_000, seconds=10, rounds=3)


# --- realistic decisions -----------------------------------------------------------------------------------------

AGENCIES = [
    ("兴隆台区应急管理局", "兴应急"),
    ("双台子区应急管理局", "双应急"),
    ("大洼区应急管理局", "洼应急"),
    ("盘山县应急管理局", "盘应急"),
    ("盘锦市应急管理局", "盘市应急"),
    ("辽东湾新区应急管理局", "辽湾应急"),
    ("盘锦市消防救援支队", "盘消"),
    ("盘锦市市场监督管理局", "盘市监"),
]
PLACES = ["盘锦", "兴隆台", "双台子", "大洼", "盘山", "辽河", "锦州", "营口", "鞍山", "辽东湾", "田家", "高升"]
NAMES = ["恒达", "宏远", "鑫源", "华信", "金石", "瑞丰", "中顺", "泰和", "永安", "新兴", "东方", "利民", "兴盛",
         "博远", "天成", "众合", "海川", "长青", "凯达", "正泰", "广源", "润泽", "嘉禾", "万通"]  # fmt: skip
TRADES = ["化工", "石油化工", "物流", "建材", "燃气", "机械制造", "食品", "仓储", "建筑工程", "烟花爆竹", "油品销售",
          "危险化学品经营", "冶金", "纺织", "木业", "塑料制品"]  # fmt: skip
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "加工厂", "经销处"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "欧阳"]
VIOLATIONS = [
    ("未按规定对从业人员进行安全生产教育和培训", "新入职的{k}名从业人员未经安全生产教育和培训即上岗作业",
     "中华人民共和国安全生产法", "第二十八条第一款", "第九十七条第三项"),
    ("未如实记录安全生产教育和培训情况", "{y}年度安全生产教育和培训档案缺失，未如实记录培训时间、内容和考核结果",
     "中华人民共和国安全生产法", "第二十八条第四款", "第九十七条第四项"),
    ("未将事故隐患排查治理情况如实记录", "未建立事故隐患排查治理台账，{k}项隐患未记录整改情况",
     "中华人民共和国安全生产法", "第四十一条第二款", "第九十七条第五项"),
    ("特种作业人员未持证上岗", "{k}名电工、焊工未取得特种作业操作资格证书即从事特种作业",
     "中华人民共和国安全生产法", "第三十条第一款", "第九十七条第七项"),
    ("未在有较大危险因素的场所设置安全警示标志", "储罐区、装卸区等{k}处有较大危险因素的场所未设置明显的安全警示标志",
     "中华人民共和国安全生产法", "第三十五条", "第九十九条第一项"),
    ("安全设备未经常性维护保养", "{k}台可燃气体报警器超期未检测，安全设备未进行经常性维护、保养和定期检测",
     "中华人民共和国安全生产法", "第三十六条第一款", "第九十九条第三项"),
    ("未为从业人员提供符合标准的劳动防护用品", "未为接触粉尘、噪声的{k}名从业人员配备符合国家标准的劳动防护用品",
     "中华人民共和国安全生产法", "第四十五条", "第九十九条第五项"),
    ("关闭、破坏直接关系生产安全的监控设备", "擅自关闭{k}路视频监控和可燃气体报警装置",
     "中华人民共和国安全生产法", "第三十六条第三款", "第九十九条第八项"),
    ("未制定生产安全事故应急救援预案", "未制定本单位生产安全事故应急救援预案，未组织应急演练",
     "中华人民共和国安全生产法", "第八十一条", "第九十七条第六项"),
    ("未按规定设置安全生产管理机构或者配备安全生产管理人员", "从业人员{k}人，未设置安全生产管理机构、未配备专职安全生产管理人员",
     "中华人民共和国安全生产法", "第二十四条第一款", "第九十七条第一项"),
    ("危险物品的储存未执行安全管理制度", "将{k}吨危险化学品存放于非专用仓库内，未执行出入库核查登记制度",
     "危险化学品安全管理条例", "第二十四条第一款", "第八十条第一款第五项"),
    ("未取得危险化学品经营许可证经营危险化学品", "未取得危险化学品经营许可证，擅自经营甲醇、乙醇等危险化学品{k}吨",
     "危险化学品安全管理条例", "第三十三条第一款", "第七十七条第三款"),
    ("生产经营场所与员工宿舍在同一座建筑物内", "在生产车间内设置员工宿舍，居住{k}人，且安全出口不符合紧急疏散要求",
     "中华人民共和国安全生产法", "第四十二条第一款", "第一百零五条第二项"),
    ("未对重大危险源登记建档和进行定期检测评估", "构成重大危险源的罐区未登记建档，未进行定期检测、评估和监控",
     "中华人民共和国安全生产法", "第四十条第一款", "第一百零一条第二项"),
    ("消防设施未保持完好有效", "{k}具灭火器压力不足，室内消火栓无水，消防设施、器材未保持完好有效",
     "中华人民共和国消防法", "第十六条第一款第二项", "第六十条第一款第一项"),
    ("占用、堵塞、封闭疏散通道和安全出口", "在{k}处疏散通道堆放货物，锁闭安全出口",
     "中华人民共和国消防法", "第二十八条", "第六十条第一款第三项"),
    ("未按规定进行职业病危害因素检测", "未按规定每年进行职业病危害因素检测，{k}个岗位噪声超标",
     "中华人民共和国职业病防治法", "第二十六条第二款", "第七十二条第三项"),
    ("未组织从业人员进行职业健康检查", "未组织接触职业病危害的{k}名劳动者进行上岗前和在岗期间的职业健康检查",
     "中华人民共和国职业病防治法", "第三十五条第一款", "第七十一条第四项"),
    ("动火作业未履行审批手续", "在{k}号储罐区进行动火作业，未办理动火作业审批手续，未安排专人进行现场安全管理",
     "中华人民共和国安全生产法", "第四十三条", "第一百零一条第三项"),
    ("未按规定投保安全生产责任保险", "属于高危行业领域生产经营单位，未按照国家规定投保安全生产责任保险",
     "中华人民共和国安全生产法", "第五十一条第二款", "第一百零九条"),
]  # fmt: skip
EVIDENCE = [
    "现场检查记录",
    "询问笔录",
    "现场照片",
    "视频资料",
    "培训档案",
    "隐患排查台账",
    "营业执照复印件",
    "证人证言",
]
BANKS = ["中国工商银行盘锦分行", "中国建设银行盘锦分行", "中国农业银行盘锦分行", "盘锦银行"]
REASONS = ["复议机关撤销原行政处罚决定", "人民法院判决确认原决定违法", "原决定被变更", "责令重新作出行政处罚决定"]
KINDS = ["penalty"] * 7 + ["coercion", "inspection", "licence"]
SANCTION_SETS = [["warning"], ["fine"], ["fine"], ["fine"], ["warning", "fine"], ["fine", "confiscation"],
                 ["fine", "stop_production"], ["licence_suspension", "fine"], ["closure"]]  # fmt: skip
CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _party(rng: random.Random) -> tuple[str, str, bool]:
    if rng.random() < 0.12:
        surname = rng.choice(SURNAMES)
        return surname + "某" * rng.choice((1, 2)), "", True
    name = rng.choice(PLACES) + rng.choice(NAMES) + rng.choice(TRADES) + rng.choice(FORMS)
    # 18 characters like a unified social credit code (not checksummed: the search does not care).
    code = "91211103" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
    return name, code, False


def decision(rng: random.Random, n: int, day: dt.date, agency: tuple[str, str]) -> dict[str, Any]:
    """One realistic published decision (already redacted: persons as 某)."""
    agency_name, prefix = agency
    party, code, person = _party(rng)
    short, fact, law, article, penalty_article = rng.choice(VIOLATIONS)
    kind = rng.choice(KINDS)
    sanctions = rng.choice(SANCTION_SETS) if kind == "penalty" else []
    amount = rng.choice((2000, 5000, 10000, 20000, 30000, 50000, 80000, 100000)) if "fine" in sanctions else None
    k = rng.randint(2, 30)
    fact = fact.format(k=k, y=day.year - 1)
    seen = day - dt.timedelta(days=rng.randint(20, 90))
    address = f"辽宁省盘锦市{rng.choice(PLACES)}区{rng.choice(NAMES)}路{rng.randint(1, 300)}号"
    head = (
        f"当事人：{party}。"
        if person
        else f"当事人：{party}，统一社会信用代码：{code}，住所：{address}，法定代表人：{rng.choice(SURNAMES)}某。"
    )
    sanction_text = "、".join(
        {"warning": "警告", "fine": f"罚款人民币{amount}元", "confiscation": "没收违法所得",
         "stop_production": "责令停产停业整顿", "licence_suspension": "暂扣安全生产许可证", "closure": "责令关闭"}[s]
        for s in sanctions
    ) or "责令限期改正"  # fmt: skip
    text = (
        f"{head}\n经查，{seen.year}年{seen.month}月{seen.day}日，{agency_name}执法人员对当事人进行执法检查时发现，"
        f"当事人{fact}。上述行为违反了《{law}》{article}的规定，构成{short}的违法行为。\n"
        f"以上事实有{'、'.join(rng.sample(EVIDENCE, 3))}等证据为证。当事人在陈述申辩期限内{rng.choice(('未提出陈述申辩', '提出陈述申辩，经复核，理由不成立，不予采纳'))}。\n"
        f"依据《{law}》{penalty_article}的规定，本机关决定给予当事人以下行政处罚：{sanction_text}。\n"
        f"当事人应当自收到本决定书之日起十五日内，将罚款缴至{rng.choice(BANKS)}。到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款。\n"
        f"当事人如不服本处罚决定，可以在收到本决定书之日起六十日内向盘锦市人民政府申请行政复议，"
        f"或者在六个月内依法向盘锦市{rng.choice(PLACES)}区人民法院提起行政诉讼。"
    )
    return {
        "agency_name": agency_name,
        "decision_kind": kind,
        "decision_number": f"（{prefix}）{'罚' if kind == 'penalty' else '决'}〔{day.year}〕{n % 9000 + 1}号",
        "title": f"{party}{short}案",
        "party": party,
        "party_code": code,
        "sanctions": sanctions,
        "amount": None if amount is None else f"{amount}.00",
        "text": text,
        "person": person,
    }


# --- set-up ------------------------------------------------------------------------------------------------------


def data_dir_for(sizes: Sizes) -> Path:
    return REPO / "var" / "bench" / f"search-{sizes.publications}"


def setup_django(data_dir: Path | None) -> None:
    for name in _FOREIGN_ENV:
        os.environ.pop(name, None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sanxiang.config.settings"
    if data_dir is not None:
        os.environ["SANXIANG_DATA_DIR"] = str(data_dir)
    os.environ["SANXIANG_ENV"] = "development"
    os.environ["SANXIANG_DEBUG"] = "0"  # DEBUG keeps every query in connection.queries: not what production runs
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _marker(data_dir: Path | None) -> Path:
    return (data_dir or REPO / "var" / "bench") / f"search-generated-v{GENERATOR_VERSION}"


def _publication_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM disclosure_publication")
        return int(cursor.fetchone()[0])


def generate(sizes: Sizes, data_dir: Path | None) -> None:
    """Write ``sizes.publications`` publications and their index rows in bulk (not timed)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sanxiang.cases.models import Case
    from sanxiang.core.models import PublicationStatus
    from sanxiang.disclosure import search
    from sanxiang.org.models import Agency, AgencyNature, Department, EnforcementLevel, SubjectCategory, User
    from sanxiang.registry.models import EnforcementItem

    n = sizes.publications
    if data_dir is None:
        if _publication_count() >= n:
            log(f"reusing the {n:,} publications in DATABASE_URL's database")
            return
        if _publication_count():
            raise SystemExit("DATABASE_URL's database holds other publications: give the bench an empty database")
    elif _marker(data_dir).exists():
        log(f"reusing the generated data in {data_dir}")
        return
    log(f"generating {n:,} publications (once; not timed)")
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.create_user("bench", password=None, full_name="基准测试")
        agencies = []
        for name, prefix in AGENCIES:
            agencies.append(
                Agency.objects.create(
                    name=name,
                    short_name=prefix,
                    document_prefix=prefix,
                    nature=AgencyNature.ADMINISTRATIVE,
                    subject_category=SubjectCategory.STATUTORY,
                    level=EnforcementLevel.DISTRICT,
                    sector="应急管理",
                    region="211103",
                    status=PublicationStatus.PUBLISHED,
                    published_at=now,
                    first_published_at=now,
                )
            )
        section = Department.objects.create(agency=agencies[0], name="执法监察科")
        item = EnforcementItem.objects.create(
            agency=agencies[0],
            code="XZCF-001",
            category="penalty",
            name="生产经营单位未按规定对从业人员进行安全生产教育和培训的处罚",
            legal_basis=[],
            handling_department=section,
            time_limit_days=90,
            time_limit_kind="calendar",
        )
        case = Case.objects.create(
            agency=agencies[0],
            process_key="penalty-general",
            process_digest="0" * 64,
            item=item,
            year=now.year,
            serial=1,
            number="基准〔2026〕1号",
            title="基准测试案件",
            place_region="211103",
            place_address="盘锦市",
            state="closed",
            opened_at=now,
            opened_by=user,
        )
    vendor = connection.vendor
    rng = random.Random(20261124)
    first_day = dt.date(2016, 1, 1)
    span = (dt.date(2026, 11, 20) - first_day).days
    task_sql = (
        "INSERT INTO disclosure_publicationtask (id, case_id, agency_id, decision_kind, decided_on, due_on, "
        "due_provisional, state, withhold_reason, source_text, known_names, proposal, choices, withdraw_reason, "
        "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '', '[]', '[]', '{}', '', %s)"
    )
    pub_sql = (
        "INSERT INTO disclosure_publication (id, task_id, agency_id, agency_name, decision_kind, decision_number, "
        "title, party, party_code, sanctions, amount, decided_on, published_on, text, fulfilment, state, "
        "withdrawn_on, withdraw_reason, expires_on) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    listing_sql = (
        "INSERT INTO disclosure_listing (sort_key, publication_id, agency_id, decision_kind, decided_on, "
        "sanction_bits, withdrawn, tokens) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::tsvector)"
        if vendor == "postgresql"
        else "INSERT INTO disclosure_listing (sort_key, publication_id, agency_id, decision_kind, decided_on, "
        "sanction_bits, withdrawn) VALUES (%s, %s, %s, %s, %s, %s, %s)"
    )
    fts_sql = "INSERT INTO disclosure_search (rowid, title, party, number, body) VALUES (%s, %s, %s, %s, %s)"
    batch = 5000
    for start in range(1, n + 1, batch):
        tasks: list[tuple[Any, ...]] = []
        pubs: list[tuple[Any, ...]] = []
        listing: list[tuple[Any, ...]] = []
        fts: list[tuple[Any, ...]] = []
        for pk in range(start, min(n, start + batch - 1) + 1):
            # Ids follow time, with a few days' jitter (late publications), as when decisions are published daily.
            decided = first_day + dt.timedelta(days=min(span, (pk * span) // n + rng.randint(-5, 0)))
            agency = agencies[rng.randrange(len(agencies))]
            d = decision(rng, pk, decided, AGENCIES[agencies.index(agency)])
            published = decided + dt.timedelta(days=rng.randint(1, 9))
            roll = rng.random()
            state = "withdrawn" if roll < 0.01 else "expired" if roll < 0.02 else "published"
            withdrawn_on = published + dt.timedelta(days=rng.randint(10, 200)) if state == "withdrawn" else None
            reason = rng.choice(REASONS) if state == "withdrawn" else ""
            text = d["text"] if state == "published" else ""
            expires = published + dt.timedelta(days=(3 if d["person"] else 5) * 365)
            tasks.append(
                (pk, case.pk, agency.pk, d["decision_kind"], decided, decided + dt.timedelta(days=9), False, state, now)
            )
            pubs.append(
                (pk, pk, agency.pk, d["agency_name"], d["decision_kind"], d["decision_number"], d["title"],
                 d["party"], d["party_code"], json.dumps(d["sanctions"]), d["amount"], decided, published, text,
                 "[]", state, withdrawn_on, reason, expires)
            )  # fmt: skip
            row = types.SimpleNamespace(
                pk=pk,
                agency_id=agency.pk,
                decision_kind=d["decision_kind"],
                decision_number=d["decision_number"],
                title=d["title"],
                party=d["party"],
                sanctions=d["sanctions"],
                decided_on=decided,
                published_on=published,
                text=text,
                state=state,
                withdraw_reason=reason,
            )
            if search.is_listed(row):
                fields = search.indexed_fields(row)
                if vendor == "postgresql":
                    listing.append((*search.listing_row(row), search.tsvector_literal(fields)))
                else:
                    listing.append(search.listing_row(row))
                    fts.append((search.sort_key(row), *(" ".join(search.field_tokens(v)) for v in fields)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(task_sql, tasks)
            cursor.executemany(pub_sql, pubs)
            cursor.executemany(listing_sql, listing)
            if fts:
                cursor.executemany(fts_sql, fts)
        done = min(n, start + batch - 1)
        if done % 100_000 == 0 or done == n:
            log(f"  {done:,} written ({time.perf_counter() - started:.0f} s)")
    search.refresh_delays()  # the publication delays' bounds (decided-on filters), as reindex_all does
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence('disclosure_publication', 'id'), %s)", [n])
            cursor.execute("SELECT setval(pg_get_serial_sequence('disclosure_publicationtask', 'id'), %s)", [n])
    if vendor == "postgresql":
        connection.cursor().execute("VACUUM ANALYZE disclosure_listing")
        connection.cursor().execute("VACUUM ANALYZE disclosure_publication")
    else:
        log("  merging the FTS5 segments ('optimize') and ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO disclosure_search(disclosure_search) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        assert data_dir is not None
        _marker(data_dir).write_text(f"{n}\n")
    log(f"generated in {time.perf_counter() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="100,000 publications, shorter load runs")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--seconds", type=int, default=0, help="seconds of load per measurement (default 10, quick 5)")
    parser.add_argument("--generate-only", action="store_true", help="generate (or check) the data and stop")
    parser.add_argument("--publications", type=int, default=0, help="another number of publications (trials)")
    parser.add_argument("--in-process", action="store_true", help="time each search query in this process and stop")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.seconds or args.publications:
        sizes = Sizes(args.publications or sizes.publications, args.seconds or sizes.seconds, sizes.rounds)
    started = time.perf_counter()
    data_dir = None if os.environ.get("DATABASE_URL") else data_dir_for(sizes)
    if data_dir is not None:
        if not _marker(data_dir).exists():  # nothing yet, an older generator's data, or an interrupted generation
            for stale in data_dir.glob("sanxiang.sqlite3*"):
                stale.unlink()
            for old_marker in data_dir.glob("search-generated-v*"):
                old_marker.unlink()
        data_dir.mkdir(parents=True, exist_ok=True)
    log(f"data: {data_dir or 'DATABASE_URL'}")
    setup_django(data_dir)
    generate(sizes, data_dir)
    if args.generate_only:
        return 0
    if args.in_process:
        print(in_process_timings())
        return 0
    report = Report()
    bench_pages(report, sizes, data_dir)
    report.data.update(
        quick=args.quick,
        publications=sizes.publications,
        database="postgresql" if data_dir is None else "sqlite",
        machine=machine(),
        seconds=round(time.perf_counter() - started, 1),
    )
    report.emit(
        as_json=args.json,
        summary=f"{'quick' if args.quick else 'full'} run, {report.data['seconds']} s, {os.cpu_count()} CPUs",
    )
    return 0


# --- in-process timings ------------------------------------------------------------------------------------------

QUERY_CLASSES = ("common term", "name + trade", "place + name", "decision number", "two terms", "person (某)")


def in_process_timings() -> str:
    """Each of the bench's 240 searches run in this process, no server: the capped count the first time (the token
    frequencies not yet known to the process), then the page of rows twice (the count remembered, as the portal
    does), the second time timed. Milliseconds by query class (``search_paths`` cycles through them)."""
    import statistics

    from django.http import QueryDict

    from sanxiang.disclosure import selectors
    from sanxiang.org.models import Agency
    from sanxiang.portal.publication_views import filters_from

    agency_ids = list(Agency.objects.filter(name__in=[name for name, _ in AGENCIES]).values_list("pk", flat=True))
    paths = search_paths(random.Random(7), agency_ids)  # the same queries as the load
    pages: dict[str, list[float]] = {name: [] for name in QUERY_CLASSES}
    counts: dict[str, list[float]] = {name: [] for name in QUERY_CLASSES}
    slowest: list[tuple[float, str]] = []
    for i, path in enumerate(paths):
        name = QUERY_CLASSES[i % len(QUERY_CLASSES)]
        filters = filters_from(QueryDict(urllib.parse.urlsplit(path).query))
        started = time.perf_counter()
        selectors.cached_count(filters)
        counts[name].append((time.perf_counter() - started) * 1000)
        selectors.publication_rows(filters)
        started = time.perf_counter()
        selectors.publication_rows(filters)
        pages[name].append((time.perf_counter() - started) * 1000)
        slowest.append((pages[name][-1], urllib.parse.unquote(path)))
    lines = [f"{'query class':16} {'page median':>11} {'mean':>7} {'max':>7} | {'count median':>12} {'max':>7}  (ms)"]
    for name in QUERY_CLASSES:
        p, c = pages[name], counts[name]
        lines.append(
            f"{name:16} {statistics.median(p):11.2f} {statistics.mean(p):7.2f} {max(p):7.2f} | "
            f"{statistics.median(c):12.2f} {max(c):7.2f}"
        )
    every = [ms for values in pages.values() for ms in values]
    lines.append(f"all 240 pages: mean {statistics.mean(every):.2f} ms; slowest:")
    lines += [f"  {ms:8.2f} {path}" for ms, path in sorted(slowest, reverse=True)[:6]]
    return "\n".join(lines)


# --- load ----------------------------------------------------------------------------------------------------------

WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH %%d %%d %%d %%d %%.1f %%.1f\\n", summary.requests, summary.duration,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout, 0, latency:percentile(50), latency:percentile(95)))
end
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quote(path: str) -> str:
    return urllib.parse.quote(path, safe="/?=&%")


def search_paths(rng: random.Random, agency_ids: list[int]) -> list[str]:
    """240 searches: common and rare terms, parties, decision numbers; a third with a filter."""
    terms = ["违法", "罚款", "安全生产", "培训", "动火作业", "危险化学品", "警示标志", "疏散通道", "职业病", "应急救援预案",
             "特种作业", "劳动防护用品", "隐患排查", "监控设备", "责任保险", "宿舍", "消防设施", "重大危险源"]  # fmt: skip
    paths = []
    for i in range(240):
        roll = i % 6
        if roll == 0:
            q = rng.choice(terms)
        elif roll == 1:
            q = rng.choice(NAMES) + rng.choice(TRADES)
        elif roll == 2:
            q = f"{rng.choice(PLACES)}{rng.choice(NAMES)}"
        elif roll == 3:
            q = f"〔{rng.randint(2016, 2026)}〕{rng.randint(1, 9000)}号"
        elif roll == 4:
            q = f"{rng.choice(terms)} {rng.choice(NAMES)}"
        else:
            q = rng.choice(SURNAMES) + "某"
        query: dict[str, Any] = {"q": q}
        if i % 3 == 0:
            extra: dict[str, Any] = rng.choice(
                [{"agency": rng.choice(agency_ids)}, {"kind": "penalty"}, {"sanction": "fine"},
                 {"from": f"{rng.randint(2016, 2025)}-01-01", "to": f"{rng.randint(2016, 2025)}-12-31"}]
            )  # fmt: skip
            query.update(extra)
        paths.append("/publications/?" + urllib.parse.urlencode(query))
    return paths


def list_paths(rng: random.Random, agency_ids: list[int]) -> list[str]:
    """Pages 1–20 of the whole list, and the first pages of each filter."""
    paths = [f"/publications/?page={n}" for n in range(1, 21)]
    for agency in agency_ids:
        paths += [f"/publications/?agency={agency}&page={n}" for n in (1, 2, 3)]
    for kind in ("penalty", "licence", "coercion", "inspection"):
        paths += [f"/publications/?kind={kind}&page={n}" for n in (1, 2)]
    for sanction in ("fine", "warning", "closure", "stop_production"):
        paths += [f"/publications/?sanction={sanction}&page={n}" for n in (1, 2)]
    for year in range(2016, 2026):
        paths.append(f"/publications/?from={year}-01-01&to={year}-06-30")
    rng.shuffle(paths)
    return paths


def _wrk(port: int, paths: list[str], seconds: int, tmp: Path, connections: int) -> dict[str, float]:
    script = tmp / "paths.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(_quote(p)) for p in paths))
    exe = shutil.which("wrk") or "/usr/bin/wrk"
    out = subprocess.run(  # noqa: S603
        [exe, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
         f"http://127.0.0.1:{port}"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    match = re.search(r"^BENCH (\d+) (\d+) (\d+) \d+ ([\d.]+) ([\d.]+)$", out, re.M)
    assert match, out
    requests, duration_us, errors = int(match[1]), int(match[2]), int(match[3])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": requests / (duration_us / 1e6),
        "p50_ms": float(match[4]) / 1000,
        "p95_ms": float(match[5]) / 1000,
        "errors": errors + (int(non2xx[1]) if non2xx else 0),
        "requests": requests,
    }


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{_quote(path)}", timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def serve_and_measure(sizes: Sizes, cases: dict[str, list[str]], *, memo: bool) -> dict[str, list[dict[str, float]]]:
    """Start gunicorn (the page memory on or off), check the pages answer right, then wrk each case in turn."""
    tmp = Path(tempfile.mkdtemp(prefix="sanxiang-bench-search-"))
    port = _free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["DJANGO_SETTINGS_MODULE"] = "bench.search_settings"
    env["BENCH_PAGE_MEMO"] = "1" if memo else "0"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "sanxiang.config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(WORKERS), "--log-level", "warning", "--timeout", "120"],
        cwd=str(REPO), env=env, stdout=subprocess.DEVNULL, stderr=(tmp / "gunicorn.log").open("wb"),
    )  # fmt: skip
    results: dict[str, list[dict[str, float]]] = {name: [] for name in cases}
    label = "memory on" if memo else "memory off"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(port, "/bench/bare/")
                break
            except (ConnectionError, urllib.error.URLError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start: " + (tmp / "gunicorn.log").read_text()) from None
                time.sleep(0.2)
        assert status == 200 and body.count("\n") == 19, (status, body[:500])
        # The pages answer, and answer right: the searches find what they should.
        status, page = _get(port, "/publications/?q=违法")
        assert status == 200 and "超过 <strong>" in page, (status, page[:2000])
        status, page = _get(port, "/publications/?q=不存在的词语")
        assert status == 200 and "没有找到符合条件的执法决定" in page, status
        for path in cases["search"][:12] + cases["list"][:12]:
            status, page = _get(port, path)
            assert status == 200, (path, status, page[:2000])
        for paths in cases.values():  # warm up: each worker's first requests (and, memory on, every page once)
            _wrk(port, paths, 3 if memo else 2, tmp, CONNECTIONS)
        for r in range(sizes.rounds):
            for name, paths in cases.items():
                result = _wrk(port, paths, sizes.seconds, tmp, CONNECTIONS)
                assert result["errors"] == 0, (name, result)
                results[name].append(result)
                log(f"{label}, round {r + 1} {name}: {result['rps']:,.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
                    f"p95 {result['p95_ms']:.1f} ms")  # fmt: skip
    except BaseException:
        log("gunicorn log:\n" + (tmp / "gunicorn.log").read_text()[-5000:])
        raise
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def bench_pages(report: Report, sizes: Sizes, data_dir: Path | None) -> None:
    from django.db import connections

    from sanxiang.org.models import Agency

    agency_ids = list(Agency.objects.filter(name__in=[name for name, _ in AGENCIES]).values_list("pk", flat=True))
    connections.close_all()
    rng = random.Random(7)
    cases = {"bare": ["/bench/bare/"], "search": search_paths(rng, agency_ids), "list": list_paths(rng, agency_ids)}
    runs = {"on": serve_and_measure(sizes, cases, memo=True), "off": serve_and_measure(sizes, cases, memo=False)}

    summary: dict[str, Any] = {}
    for mode, results in runs.items():
        best = {name: max(rounds, key=lambda x: x["rps"]) for name, rounds in results.items()}
        bare = best["bare"]
        title = "as deployed (page memory on)" if mode == "on" else "uncached path (page memory off)"
        report.add(f"{title}: bare view, one indexed query", f"{bare['rps']:,.0f} req/s", "")
        report.add("  bare view latency p50 / p95", f"{bare['p50_ms']:.1f} / {bare['p95_ms']:.1f} ms", "")
        ratios = {}
        for name, label in (
            ("search", "search page (240 queries, 1/3 filtered)"),
            ("list", "list page (pages 1–20, filters)"),
        ):
            measured = best[name]
            ratio = measured["rps"] / bare["rps"]
            ratios[name] = ratio
            report.add(
                f"  {label}",
                f"{measured['rps']:,.0f} req/s",
                f"{bare['rps']:,.0f} req/s bare view",
                f"{ratio:.2f}",
                "≥ 0.5" if mode == "on" else "",
                ratio >= 0.5 if mode == "on" else None,
            )
            report.add(f"    {name} latency p50 / p95", f"{measured['p50_ms']:.1f} / {measured['p95_ms']:.1f} ms", "")
        summary[mode] = {
            "ratio": round(min(ratios.values()), 3),
            "search_ratio": round(ratios["search"], 3),
            "list_ratio": round(ratios["list"], 3),
            "p95_ms": round(max(best["search"]["p95_ms"], best["list"]["p95_ms"]), 1),
            "rps": {name: round(best[name]["rps"], 1) for name in best},
            "p50_ms": {name: round(best[name]["p50_ms"], 2) for name in best},
            "p95_ms_each": {name: round(best[name]["p95_ms"], 2) for name in best},
            "rounds": {name: [round(r["rps"], 1) for r in rounds] for name, rounds in results.items()},
        }  # fmt: skip
    report.data.update(
        ratio_vs_bare_view=summary["on"]["ratio"],
        p95_ms=summary["on"]["p95_ms"],
        uncached_ratio_vs_bare_view=summary["off"]["ratio"],
        uncached_p95_ms=summary["off"]["p95_ms"],
        deployed=summary["on"],
        uncached=summary["off"],
        wrk=f"-t2 -c{CONNECTIONS} -d{sizes.seconds}s",
        gunicorn_workers=WORKERS,
        goal_met=summary["on"]["ratio"] >= 0.5,
    )


if __name__ == "__main__":
    sys.exit(main())
