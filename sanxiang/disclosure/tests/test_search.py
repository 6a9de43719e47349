"""Chinese full-text search of publications (``disclosure.search`` and ``disclosure.selectors``).

Rows are written with the ORM and recorded with ``ledger.record`` (``make_publication``), so the index is kept by the
record listener exactly as when the services record a publication. Runs on SQLite (FTS5) and PostgreSQL (tsvector).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxiang.cases.models import Case
from sanxiang.conftest import Bureau
from sanxiang.disclosure import search
from sanxiang.disclosure.models import DecisionKind, Publication, PublicationState, PublicationTask
from sanxiang.disclosure.selectors import Filters, iter_matching, matching_count, public_publication, publication_page
from sanxiang.ledger.services import record
from sanxiang.registry.tests import factories as f

TEXT = (
    "当事人盘锦示例化工有限公司存在未按规定对从业人员进行安全生产教育和培训的违法行为，"
    "违反了《中华人民共和国安全生产法》第二十八条第一款的规定。依据第九十七条第一项，决定给予罚款人民币贰万元。"
)
_serial = itertools.count(1)


def _case(bureau: Bureau) -> Case:
    case = Case.objects.filter(agency=bureau.agency).first()
    if case is not None:
        return case
    item = f.publish("items", bureau=bureau, data=f.item_data(bureau))
    now = timezone.now()
    return Case.objects.create(
        agency=bureau.agency,
        process_key="penalty-general",
        process_digest="0" * 64,
        item=item,
        year=now.year,
        serial=1,
        number=f"兴应急案〔{now.year}〕1号",
        title="某公司未按规定开展安全生产教育和培训案",
        place_region="211103",
        place_address="盘锦市兴隆台区示例路1号",
        state="decide",
        opened_at=now,
        opened_by=bureau.officer,
    )


def make_publication(bureau: Bureau, *, agency: Any = None, **fields: Any) -> Publication:
    """A published decision written with the ORM and recorded in the ledger (tests only: the services do this)."""
    agency = agency or bureau.agency
    n = next(_serial)
    decided_on = fields.pop("decided_on", dt.date(2026, 3, 2))
    kind = fields.pop("decision_kind", DecisionKind.PENALTY)
    with transaction.atomic():
        task = PublicationTask.objects.create(
            case=_case(bureau),
            agency=agency,
            decision_kind=kind,
            decided_on=decided_on,
            due_on=decided_on + dt.timedelta(days=9),
            state="published",
            source_text="(test)",
            created_at=timezone.now(),
        )
        values: dict[str, Any] = {
            "task": task,
            "agency": agency,
            "agency_name": agency.name,
            "decision_kind": kind,
            "decision_number": f"兴应急罚〔2026〕{n}号",
            "title": "未按规定对从业人员进行安全生产教育和培训案",
            "party": "盘锦示例化工有限公司",
            "party_code": "91110000802100433B",
            "sanctions": ["fine"],
            "amount": Decimal("20000.00"),
            "decided_on": decided_on,
            "published_on": decided_on + dt.timedelta(days=3),
            "text": TEXT,
            "fulfilment": [],
            "state": PublicationState.PUBLISHED,
            "expires_on": decided_on + dt.timedelta(days=5 * 365),
            **fields,
        }
        publication = Publication.objects.create(**values)
        record(actor=bureau.reviewer, action="publication.publish", subject=publication)
    return publication


def change(bureau: Bureau, publication: Publication, action: str, **fields: Any) -> Publication:
    """Change a publication's row and record it (as withdraw/expire/fulfil do)."""
    with transaction.atomic():
        for name, value in fields.items():
            setattr(publication, name, value)
        publication.save()
        record(actor=bureau.reviewer, action=action, subject=publication)
    return publication


def withdraw(
    bureau: Bureau, publication: Publication, reason: str = "决定被撤销：复议机关撤销原处罚决定"
) -> Publication:
    return change(
        bureau,
        publication,
        "publication.withdraw",
        state=PublicationState.WITHDRAWN,
        withdrawn_on=publication.published_on + dt.timedelta(days=30),
        withdraw_reason=reason,
        text="",
        fulfilment=[],
    )


def expire(bureau: Bureau, publication: Publication) -> Publication:
    return change(bureau, publication, "publication.expire", state=PublicationState.EXPIRED, text="", fulfilment=[])


def found(q: str = "", **filters: Any) -> list[int]:
    return [p.pk for p in iter_matching(Filters(q=q, **filters).clean())]


# --- tokens ------------------------------------------------------------------------------------------------------


def test_tokens_are_pairs_of_letters_and_digits_then_the_last_character() -> None:
    assert search.field_tokens("违法行为") == ["违法", "法行", "行为", "为"]
    assert search.field_tokens("兴应急罚〔2024〕12号") == [
        "兴应", "应急", "急罚", "罚2", "20", "02", "24", "41", "12", "2号", "号",
        "202412", "02412", "2412", "412",  # the digit run's suffixes of three digits or more
    ]  # fmt: skip
    assert search.field_tokens("ＡＢ") == ["ab", "b"]  # NFKC and case folding
    assert search.field_tokens("，。") == []
    assert search.query_terms("  违法  违法 ， 2024 ") == ["违法", "2024"]


def test_digit_runs_are_also_indexed_as_their_suffixes() -> None:
    # Three digits or more, cut at RUN_TOKEN_CHARS: never two characters, so never taken for a pair.
    assert search.run_tokens("罚2019123号") == ["2019123", "019123", "19123", "9123", "123"]
    assert search.run_tokens("第12号，共7") == []
    assert search.run_tokens("1234567890123456") == [
        "123456789012", "234567890123", "345678901234", "456789012345", "567890123456",
        "67890123456", "7890123456", "890123456", "90123456", "0123456", "123456", "23456", "3456", "456",
    ]  # fmt: skip
    # What a query term implies: a run it ends with a non-digit, or one of RUN_TOKEN_CHARS digits or more.
    assert search.term_run_tokens(search.normalise("〔2019〕123号")) == ["2019123"]
    assert search.term_run_tokens("2019123") == []  # the field's run may go on: 20191234
    assert search.term_run_tokens("罚12号") == []  # two digits: the pairs are enough
    assert search.term_run_tokens("12345678901234") == ["123456789012"]


def test_a_decision_number_is_searched_by_its_run_token() -> None:
    frequency = {"2019123": 1, "20": 4000, "01": 4000, "19": 4000, "91": 4000, "12": 4000, "23": 4000, "3号": 900}
    plans = search.plan_terms(["2019123号", "违法"], frequency.__getitem__)
    assert plans == [search.TermPlan("2019123号", ("2019123",)), search.TermPlan("违法")]
    assert search.fts5_query(plans) == '"2019123" AND "违法"'
    assert search.row_pattern("2019123号") == " 20 01 19 91 12 23 3号 "
    # A run token held by many rows, where the phrase's rarest pair is not much rarer: the phrase.
    frequency["2019123"] = 600
    assert search.plan_terms(["2019123号"], frequency.__getitem__) == [search.TermPlan("2019123号")]
    assert search.fts5_query([search.TermPlan("2019123号")]) == '"20 01 19 91 12 23 3号"'
    assert (
        search.tsquery_literal(["2019123号"])
        == "'2019123' & ('20' <-> '01' <-> '19' <-> '91' <-> '12' <-> '23' <-> '3号')"
    )


def test_tsvector_keeps_fields_apart() -> None:
    literal = search.tsvector_literal(["甲乙", "丙丁"])
    # 甲乙 at 3, 乙 at 4, then a gap of two: 丙丁 at 7 — no phrase can join 乙 and 丙.
    assert literal == "'甲乙':3 '乙':4 '丙丁':7 '丁':8"


# --- search ------------------------------------------------------------------------------------------------------


def test_two_character_term_finds_the_decision(bureau: Bureau) -> None:
    hit = make_publication(bureau)
    miss = make_publication(bureau, text="当事人未按规定配备劳动防护用品，责令限期改正。", title="劳动防护用品案")
    assert found("违法") == [hit.pk]
    assert found("劳动") == [miss.pk]
    assert found("违法 罚款") == [hit.pk]
    assert found("违法 劳动") == []


def test_absent_term_finds_nothing(bureau: Bureau) -> None:
    make_publication(bureau)
    assert found("危险化学品") == []
    assert found("违章") == []  # both characters occur (违 in 违法, 章 nowhere): still no match
    assert found("法违") == []  # the characters of 违法 in the wrong order


def test_terms_match_title_party_and_number_but_not_across_fields(bureau: Bureau) -> None:
    publication = make_publication(bureau, decision_number="兴应急罚〔2024〕37号", party="盘锦恒达物流有限公司")
    assert found("恒达") == [publication.pk]
    assert found("教育和培训案") == [publication.pk]
    assert found("2024 37") == [publication.pk]
    assert found("〔2024〕37号") == [publication.pk]
    assert found("202437") == [publication.pk]
    assert found("恒达物流有限公司未按") == []  # the party's end and the title's start are not adjacent
    assert found("rk") == []


def test_a_decision_number_finds_exactly_its_decision(bureau: Bureau) -> None:
    # Dates, amounts and other numbers share the decision number's digits; only the number itself matches.
    text = "2019年1月23日检查发现，当事人2019123名从业人员未经培训。罚款20191230元，见〔2019〕1123号。"
    wanted = make_publication(bureau, decision_number="兴应急罚〔2019〕123号", text=text)
    longer = make_publication(bureau, decision_number="兴应急罚〔2019〕1234号", text=text)
    shorter = make_publication(bureau, decision_number="兴应急罚〔2019〕12号", text=text)
    other = make_publication(bureau, decision_number="兴应急罚〔2020〕9123号", text="无")
    assert found("〔2019〕123号") == [wanted.pk]
    assert found("罚〔2019〕123号") == [wanted.pk]
    assert found("2019123号") == [wanted.pk]
    assert found("〔2019〕1234号") == [longer.pk]
    assert found("9123号") == [other.pk, wanted.pk]
    # Without the 号 the run may go on (20191234) or stand elsewhere (the text's 2019123名, 20191230元).
    assert found("〔2019〕123") == [shorter.pk, longer.pk, wanted.pk]
    assert found("〔2021〕123号") == []


def test_one_character_query_matches_as_prefix(bureau: Bureau) -> None:
    publication = make_publication(bureau, title="仓库火灾隐患案", text="无")
    assert found("灾") == [publication.pk]
    assert found("案") == [publication.pk]  # a field's last character
    assert found("无") == [publication.pk]  # a one-character field
    assert found("鑫") == []


def test_filters(bureau: Bureau) -> None:
    a = make_publication(bureau, decided_on=dt.date(2026, 1, 5), sanctions=["warning"], amount=None)
    b = make_publication(bureau, decided_on=dt.date(2026, 2, 5), sanctions=["fine", "confiscation"])
    c = make_publication(bureau, agency=bureau.other_agency, decided_on=dt.date(2026, 3, 5))
    d = make_publication(bureau, decision_kind=DecisionKind.LICENCE, decided_on=dt.date(2026, 4, 5), sanctions=[])
    assert found() == [d.pk, c.pk, b.pk, a.pk]  # newest first
    assert found(agency_id=bureau.other_agency.pk) == [c.pk]
    assert found(agency_id=bureau.agency.pk) == [d.pk, b.pk, a.pk]
    assert found(kind="licence") == [d.pk]
    assert found(kind="nonsense") == [d.pk, c.pk, b.pk, a.pk]  # an unknown kind is no filter
    assert found(sanction="confiscation") == [b.pk]
    assert found(sanction="fine") == [c.pk, b.pk]
    assert found(decided_from=dt.date(2026, 2, 1), decided_to=dt.date(2026, 3, 31)) == [c.pk, b.pk]
    assert found(decided_from=dt.date(2026, 3, 5)) == [d.pk, c.pk]
    assert found("违法", agency_id=bureau.agency.pk, sanction="fine") == [b.pk]


def test_decided_on_ranges_find_late_and_early_publications(bureau: Bureau) -> None:
    # The range is turned into sort keys (publication dates) through the least and greatest publication delay:
    # a decision published a year late, or (a data error) before its decision, is still found by its decision date.
    on_time = make_publication(bureau, decided_on=dt.date(2025, 3, 2))
    late = make_publication(bureau, decided_on=dt.date(2024, 5, 6), published_on=dt.date(2025, 6, 1))
    early = make_publication(bureau, decided_on=dt.date(2025, 9, 9), published_on=dt.date(2025, 1, 1))
    for q in ("", "违法"):
        assert found(q, decided_from=dt.date(2024, 5, 1), decided_to=dt.date(2024, 5, 31)) == [late.pk]
        assert found(q, decided_from=dt.date(2025, 9, 1), decided_to=dt.date(2025, 9, 30)) == [early.pk]
        assert found(q, decided_from=dt.date(2025, 3, 2), decided_to=dt.date(2025, 3, 2)) == [on_time.pk]
        assert found(q, decided_to=dt.date(2024, 12, 31)) == [late.pk]
        assert found(q, decided_from=dt.date(2025, 1, 1)) == [on_time.pk, early.pk]
        assert found(q, decided_from=dt.date(2025, 4, 1), decided_to=dt.date(2025, 3, 1)) == []  # an empty range
    low, high = search.sort_key_range(dt.date(2024, 5, 6), dt.date(2024, 5, 6))
    assert low is not None and high is not None
    # Delays of −251 (early) to 391 days (late) widen the range: from 251 days before to 391 days after.
    assert (low, high) == (
        (dt.date(2024, 5, 6).toordinal() - 251) * search.SORT_SHIFT,
        (dt.date(2024, 5, 6).toordinal() + 392) * search.SORT_SHIFT - 1,
    )
    assert search.reindex_all() == 3  # recomputed from the rows: the same bounds
    assert search.sort_key_range(dt.date(2024, 5, 6), dt.date(2024, 5, 6)) == (low, high)


def test_withdrawn_text_is_not_searchable_but_heading_and_reason_are(bureau: Bureau) -> None:
    publication = make_publication(bureau, party="盘锦恒达物流有限公司")
    assert found("违法") == [publication.pk]
    withdraw(bureau, publication, reason="复议机关撤销原处罚决定")
    assert found("违法") == []
    assert found("恒达") == [publication.pk]
    assert found("复议机关") == [publication.pk]
    assert public_publication(publication.pk) is not None


def test_withdrawn_text_stays_out_even_if_the_row_still_had_it(bureau: Bureau) -> None:
    # The index never takes a withdrawn publication's text, whoever forgot to empty it.
    publication = make_publication(bureau)
    change(bureau, publication, "publication.withdraw", state=PublicationState.WITHDRAWN, withdraw_reason="撤销")
    assert found("违法") == []


def test_expired_is_not_listed_nor_found(bureau: Bureau) -> None:
    kept = make_publication(bureau)
    gone = make_publication(bureau)
    expire(bureau, gone)
    assert found() == [kept.pk]
    assert found("违法") == [kept.pk]
    assert public_publication(gone.pk) is None
    assert public_publication(kept.pk) is not None


def test_changes_reindex(bureau: Bureau) -> None:
    publication = make_publication(bureau)
    change(bureau, publication, "publication.correct", text="更正后的内容：责令限期整改。")
    assert found("违法") == []
    assert found("限期整改") == [publication.pk]
    assert found() == [publication.pk]


def test_rollback_leaves_the_index_unchanged(bureau: Bureau) -> None:
    publication = make_publication(bureau)
    with pytest.raises(RuntimeError), transaction.atomic():
        change(bureau, publication, "publication.correct", text="另一段文字")
        raise RuntimeError
    assert found("违法") == [publication.pk]
    assert found("另一") == []


def test_pages_and_capped_count(bureau: Bureau, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [make_publication(bureau, decided_on=dt.date(2026, 1, 1) + dt.timedelta(days=i)) for i in range(7)]
    newest_first = [p.pk for p in reversed(rows)]
    page = publication_page(Filters(), page=2, page_size=3)
    assert [p.pk for p in page.items] == newest_first[3:6]
    assert (page.count, page.more, page.num_pages) == (7, False, 3)
    assert [p.pk for p in publication_page(Filters(), page=99, page_size=3).items] == newest_first[6:]
    assert matching_count(Filters(q="违法"), cap=5) == (5, True)
    assert matching_count(Filters(q="违法"), cap=7) == (7, False)
    assert [p.pk for p in iter_matching(Filters(q="违法"), chunk=2)] == newest_first


def test_reindex_all_rebuilds(bureau: Bureau) -> None:
    kept = make_publication(bureau)
    expire(bureau, make_publication(bureau))
    assert search.reindex_all() == 1
    assert found("违法") == [kept.pk]


# --- property: any substring of length ≥ 2 finds its publication --------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40)
TEXTS = st.text(alphabet=st.one_of(CJK, st.sampled_from("0123456789abAB，。 （）")), min_size=2, max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS, data=st.data())
def test_any_substring_finds_the_text(bureau: Bureau, text: str, data: st.DataObject) -> None:
    letters = search.normalise(text)
    if len(letters) < 2:
        return
    with transaction.atomic():
        publication = make_publication(bureau, text=text)
        start = data.draw(st.integers(0, len(text) - 2), label="start")
        end = data.draw(st.integers(start + 2, len(text)), label="end")
        query = text[start:end]
        if len(search.normalise(query)) >= 2:
            assert publication.pk in found(query), (text, query)
        transaction.set_rollback(True)


FIELD_TEXTS = st.text(alphabet=st.sampled_from("0123456789" * 3 + "一二号年罚ab，〔〕 "), min_size=0, max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(FIELD_TEXTS, FIELD_TEXTS), min_size=1, max_size=4),
    queries=st.lists(st.text(alphabet=st.sampled_from("0123456789一号罚a〔〕"), min_size=2, max_size=9), max_size=6),
    data=st.data(),
)
def test_digit_terms_find_what_holds_them_and_nothing_else(
    bureau: Bureau, rows: list[tuple[str, str]], queries: list[str], data: st.DataObject
) -> None:
    """Digits are where the run tokens and the row check stand in for the phrase: any term of two or more letters or
    digits finds exactly the publications one of whose fields holds it (title and number checked separately)."""
    with transaction.atomic():
        made = [make_publication(bureau, decision_number=number, title=title, text="无") for number, title in rows]
        fields = {p.pk: [search.normalise(v) for v in (p.title, p.party, p.decision_number, p.text)] for p in made}
        near = st.sampled_from("0123456789号年a")
        for number, title in rows:  # substrings of what is indexed, and near misses: one character changed or added
            for value in (number, title):
                if len(value) >= 2:
                    start = data.draw(st.integers(0, len(value) - 2))
                    part = value[start : data.draw(st.integers(start + 2, len(value)))]
                    queries += [part, part[:-1] + data.draw(near), part + data.draw(near), data.draw(near) + part]
        for query in queries:
            term = search.normalise(query)
            if len(term) < 2 or " " in query:
                continue
            expected = sorted((pk for pk, values in fields.items() if any(term in v for v in values)), reverse=True)
            assert sorted(found(query), reverse=True) == expected, (query, rows)
        transaction.set_rollback(True)
