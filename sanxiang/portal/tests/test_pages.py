"""The public portal: what anonymous visitors see, and what they must never see."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pyzbar.pyzbar import decode

from sanxiang.conftest import make_agency
from sanxiang.core.models import PublicationStatus
from sanxiang.org.models import Department, DepartmentKind, SubjectCategory
from sanxiang.org.services import agency_district_review_record
from sanxiang.portal.tests.conftest import (
    channel_data,
    inspection_data,
    item_data,
    officer_data,
    power_data,
    template_data,
)
from sanxiang.registry import services
from sanxiang.registry.models import Officer
from sanxiang.registry.tests import factories as f

LIST_KEYS = [
    "agencies",
    "powers",
    "items",
    "inspection-items",
    "officers",
    "templates",
    "complaint-channels",
    "recording-rules",
    "recording-places",
]


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def published(bureau, publisher):
    """One published entry on every list of 兴隆台区应急管理局."""
    return {
        "powers": publisher.publish("powers", power_data()),
        "items": publisher.publish("items", item_data(bureau)),
        "inspection-items": publisher.publish("inspection-items", inspection_data()),
        "officers": publisher.publish("officers", officer_data(department_id=bureau.section.pk)),
        "templates": publisher.publish("templates", template_data()),
        "complaint-channels": publisher.publish("complaint-channels", channel_data()),
        "recording-rules": publisher.publish("recording-rules", f.recording_rule_data()),
        "recording-places": publisher.publish("recording-places", f.recording_place_data()),
        "agencies": bureau.agency,
    }


# --- every page renders ---------------------------------------------------------------------------------------------


def test_home_names_every_list_with_counts_and_agency_entry_points(client, bureau, published):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    text = _text(response)
    for key in LIST_KEYS:
        assert f'href="{reverse("portal:list", args=[key])}"' in text
    assert "人员资格清单" in text and "监督举报信息" in text
    assert "已公示 <strong>1</strong> 条" in text
    assert reverse("portal:detail", args=["agencies", bureau.agency.pk]) in text
    assert f'href="{reverse("portal:flowcharts")}"' in text  # the flowcharts card
    assert "兴隆台区司法局" not in text  # a supervising body is not an enforcement body


@pytest.mark.parametrize("key", LIST_KEYS)
def test_every_list_and_detail_page_renders_for_anonymous_visitors(client, published, key):
    obj = published[key]
    response = client.get(reverse("portal:list", args=[key]))
    assert response.status_code == 200
    detail = reverse("portal:detail", args=[key, obj.pk])
    assert detail in _text(response)
    response = client.get(detail)
    assert response.status_code == 200
    assert obj.name in _text(response)
    assert "变更记录" in _text(response)


def test_flowcharts_page_and_unknown_list_404(client, db):
    text = _text(client.get(reverse("portal:flowcharts")))
    assert "行政处罚（一般程序）" in text and reverse("portal:flowchart-svg", args=["penalty-general"]) in text
    assert client.get("/no-such-list/").status_code == 404


def test_pages_load_assets_locally_and_run_no_inline_script(client, published):
    for url in (reverse("portal:home"), reverse("portal:list", args=["officers"])):
        response = client.get(url)
        text = _text(response)
        sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', text)
        assert sources, "the page loads its stylesheet and scripts"
        assert all(source.startswith("/static/") for source in sources), sources
        assert "/static/vendor/htmx/htmx.min.js" in sources
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline scripts break the CSP"
        assert 'name="viewport"' in text


def test_vendored_htmx_is_served_from_the_deployment(client, db):
    from django.contrib.staticfiles import finders

    path = finders.find("vendor/htmx/htmx.min.js")
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        assert "htmx" in handle.read(2000)
    assert finders.find("vendor/htmx/LICENSE") is not None
    assert finders.find("sanxiang/site.css") is not None


# --- what never appears ---------------------------------------------------------------------------------------------


def test_drafts_submitted_returned_and_withdrawn_entries_never_appear(client, bureau, publisher):
    draft = publisher.draft("items", item_data(bureau, code="A-1", name="草稿事项甲"))
    submitted = publisher.submitted("items", item_data(bureau, code="A-2", name="待审事项乙"))
    returned = publisher.submitted("items", item_data(bureau, code="A-3", name="退回事项丙"))
    services.entry_return(actor=bureau.reviewer, spec=services_spec("items"), obj=returned, note="依据不全")
    withdrawn = publisher.publish("items", item_data(bureau, code="A-4", name="撤下事项丁"))
    publisher.withdraw("items", withdrawn)
    shown = publisher.publish("items", item_data(bureau, code="A-5", name="公示事项戊"))

    text = _text(client.get(reverse("portal:list", args=["items"])))
    assert "公示事项戊" in text
    for hidden in (draft, submitted, returned, withdrawn):
        assert hidden.name not in text
        assert client.get(reverse("portal:detail", args=["items", hidden.pk])).status_code == 404
    assert "已公示 <strong>1</strong> 条" in _text(client.get(reverse("portal:home")))
    assert shown.pk


def services_spec(key):
    from sanxiang.registry.specs import ALL_LISTS

    return ALL_LISTS[key]


def test_staged_change_is_not_shown_until_approved(client, bureau, publisher):
    item = publisher.publish("items", item_data(bureau))
    services.entry_update(
        actor=bureau.reviewer, spec=services_spec("items"), obj=item, data={"name": "尚未审核的新名称"}
    )
    text = _text(client.get(reverse("portal:detail", args=["items", item.pk])))
    assert item.name in text
    assert "尚未审核的新名称" not in text


def test_entries_of_an_unpublished_agency_never_appear(client, bureau, publisher):
    hidden_agency = make_agency("大洼区应急管理局", status=PublicationStatus.DRAFT, region="211104")
    department = Department.objects.create(agency=hidden_agency, name="执法队", kind=DepartmentKind.SQUAD)
    officer = publisher.publish("officers", officer_data("21110420230009", "隐藏人员"), agency=hidden_agency)
    template = publisher.publish("templates", template_data("H-1", "隐藏文书"), agency=hidden_agency)
    item = publisher.publish(
        "items",
        item_data(bureau, code="H-2", name="隐藏事项", handling_department_id=department.pk),
        agency=hidden_agency,
    )
    assert officer.status == PublicationStatus.PUBLISHED  # published itself, but its agency is not

    for key, obj in (("officers", officer), ("templates", template), ("items", item)):
        assert obj.name not in _text(client.get(reverse("portal:list", args=[key])))
        assert client.get(reverse("portal:detail", args=[key, obj.pk])).status_code == 404
    assert "大洼区应急管理局" not in _text(client.get(reverse("portal:home")))
    assert client.get(reverse("portal:detail", args=["agencies", hidden_agency.pk])).status_code == 404
    assert client.get(reverse("portal:verify-certificate", args=[officer.certificate_number])).status_code == 404
    assert client.get(reverse("portal:certificate-qr-png", args=[officer.certificate_number])).status_code == 404
    assert client.get(reverse("portal:template-download", args=[template.pk])).status_code == 404


def _entrusted_agency(bureau):
    agency = make_agency(
        "兴隆台区应急管理综合执法大队",
        subject_category=SubjectCategory.ENTRUSTED,
        entrusted_by=bureau.agency,
        entrustment_summary="受委托实施安全生产行政检查，期限自2026年1月1日至2028年12月31日。",
    )
    agency.entrustment_agreement.save("agreement.pdf", ContentFile(b"%PDF-1.4 agreement"), save=True)
    return agency


def test_entrusted_agency_shows_only_after_district_review_with_its_entrusting_agency(client, bureau, publisher):
    entrusted = _entrusted_agency(bureau)
    officer = publisher.publish("officers", officer_data("21110320239999", "委托队员"), agency=entrusted)
    detail = reverse("portal:detail", args=["agencies", entrusted.pk])
    agreement = reverse("portal:agency-agreement", args=[entrusted.pk])

    assert entrusted.name not in _text(client.get(reverse("portal:list", args=["agencies"])))
    assert client.get(detail).status_code == 404
    assert client.get(agreement).status_code == 404
    assert "委托队员" not in _text(client.get(reverse("portal:list", args=["officers"])))
    assert client.get(reverse("portal:verify-certificate", args=[officer.certificate_number])).status_code == 404

    agency_district_review_record(actor=bureau.reviewer, agency=entrusted, reference="兴政法审〔2026〕3号")

    assert entrusted.name in _text(client.get(reverse("portal:list", args=["agencies"])))
    text = _text(client.get(detail))
    assert "委托机关" in text and "兴隆台区应急管理局" in text
    assert reverse("portal:detail", args=["agencies", bureau.agency.pk]) in text
    assert agreement in text and "兴政法审〔2026〕3号" in text
    response = client.get(agreement)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 agreement"
    assert "委托队员" in _text(client.get(reverse("portal:list", args=["officers"])))
    # The entrusting agency names the bodies it entrusted.
    assert entrusted.name in _text(client.get(reverse("portal:detail", args=["agencies", bureau.agency.pk])))


# --- search, filters, pagination -----------------------------------------------------------------------------------


def test_search_matches_two_character_chinese_terms(client, bureau, publisher):
    publisher.publish("items", item_data(bureau, code="X-1", name="对危化品经营单位未建立事故隐患排查治理制度的处罚"))
    publisher.publish("items", item_data(bureau, code="X-2", name="对非煤矿山企业未按规定配备安全管理人员的处罚"))
    url = reverse("portal:list", args=["items"])

    text = _text(client.get(url, {"q": "危化"}))
    assert "危化品经营单位" in text and "非煤矿山" not in text
    assert "共 <strong>1</strong> 条" in text
    text = _text(client.get(url, {"q": "矿山"}))
    assert "非煤矿山" in text and "危化品经营单位" not in text
    text = _text(client.get(url, {"q": "不存在的词"}))
    assert "没有找到符合条件的公示内容" in text


def test_search_finds_items_by_the_law_they_rest_on(client, bureau, publisher):
    publisher.publish("items", item_data(bureau, code="L-1", name="甲事项"))
    publisher.publish(
        "items",
        item_data(
            bureau, code="L-2", name="乙事项", legal_basis=[{"law": "危险化学品安全管理条例", "article": "第八十条"}]
        ),
    )
    text = _text(client.get(reverse("portal:list", args=["items"]), {"q": "安全生产法"}))
    assert "甲事项" in text and "乙事项" not in text
    text = _text(client.get(reverse("portal:list", args=["items"]), {"q": "第八十条"}))
    assert "乙事项" in text and "甲事项" not in text


def test_officer_search_by_name_and_certificate_number(client, bureau, publisher):
    publisher.publish("officers", officer_data("21110320230001", "张建国"))
    publisher.publish("officers", officer_data("21110320230002", "李秀英"))
    url = reverse("portal:list", args=["officers"])
    text = _text(client.get(url, {"q": "建国"}))
    assert "张建国" in text and "李秀英" not in text
    text = _text(client.get(url, {"q": "20230002"}))
    assert "李秀英" in text and "张建国" not in text


def test_agency_and_category_filters(client, bureau, publisher):
    other_section = Department.objects.create(agency=bureau.other_agency, name="执法大队", kind=DepartmentKind.SQUAD)
    publisher.publish("items", item_data(bureau, code="F-1", name="兴隆台处罚事项"))
    publisher.publish(
        "items",
        item_data(bureau, code="F-2", name="双台子处罚事项", handling_department_id=other_section.pk),
        agency=bureau.other_agency,
    )
    publisher.publish(
        "items",
        item_data(
            bureau,
            code="F-3",
            name="兴隆台许可事项",
            category="licence",
            discretion_benchmark=[],
            service_guide="申请材料：申请书、营业执照复印件。",
        ),
    )
    url = reverse("portal:list", args=["items"])
    text = _text(client.get(url, {"agency": bureau.other_agency.pk}))
    assert "双台子处罚事项" in text and "兴隆台处罚事项" not in text
    text = _text(client.get(url, {"category": "licence"}))
    assert "兴隆台许可事项" in text and "兴隆台处罚事项" not in text and "双台子处罚事项" not in text
    text = _text(client.get(url, {"category": "penalty", "agency": bureau.agency.pk}))
    assert "兴隆台处罚事项" in text and "兴隆台许可事项" not in text
    # Junk in the query string is ignored, not an error.
    assert client.get(url, {"agency": "x", "category": "nope", "page": "zz"}).status_code == 200


def test_officer_category_filter(client, bureau, publisher):
    publisher.publish("officers", officer_data("C-1", "处罚人员", categories=["penalty"]))
    publisher.publish("officers", officer_data("C-2", "许可人员", categories=["licence"]))
    text = _text(client.get(reverse("portal:list", args=["officers"]), {"category": "licence"}))
    assert "许可人员" in text and "处罚人员" not in text


def test_pagination_and_htmx_fragment(client, bureau, publisher):
    for n in range(25):
        publisher.publish("officers", officer_data(f"P-{n:03d}", f"人员{n:03d}"))
    url = reverse("portal:list", args=["officers"])
    first = _text(client.get(url))
    assert "共 <strong>25</strong> 条" in first and "第 1/2 页" in first
    assert first.count('data-label="姓名"') == 20
    assert "?page=2" in first
    second = client.get(url, {"page": 2})
    assert _text(second).count('data-label="姓名"') == 5

    fragment = client.get(url, {"q": "人员02", "page": 1}, HTTP_HX_REQUEST="true")
    text = _text(fragment)
    assert "<html" not in text and "<table" in text
    assert text.count('data-label="姓名"') == 5  # 人员020 … 人员024
    assert "HX-Request" in fragment.headers["Vary"]
    # A history restore after a cache miss gets the whole page.
    restore = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in _text(restore)


def test_list_pages_keep_a_constant_number_of_queries(client, bureau, publisher, django_assert_max_num_queries):
    def counts() -> dict[str, int]:
        result = {}
        for key in LIST_KEYS:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(reverse("portal:list", args=[key])).status_code == 200
            result[key] = len(ctx.captured_queries)
        return result

    def add_rows(start: int, count: int) -> None:
        for n in range(start, start + count):
            publisher.publish("powers", power_data(code=f"Q-{n}"))
            publisher.publish("items", item_data(bureau, code=f"I-{n}"))
            publisher.publish("inspection-items", inspection_data(code=f"S-{n}"))
            publisher.publish("officers", officer_data(f"O-{n}", department_id=bureau.section.pk))
            publisher.publish("templates", template_data(code=f"T-{n}"))
            publisher.publish("complaint-channels", channel_data(name=f"渠道{n}"))
            make_agency(f"测试执法主体{n}")

    add_rows(0, 2)
    few = counts()
    add_rows(2, 8)
    many = counts()
    assert few == many
    for key in LIST_KEYS:
        with django_assert_max_num_queries(4):
            client.get(reverse("portal:list", args=[key]))


# --- detail pages ---------------------------------------------------------------------------------------------------


def test_item_detail_shows_legal_basis_discretion_bands_and_licence_service_guide(client, bureau, publisher):
    penalty = publisher.publish("items", item_data(bureau))
    text = _text(client.get(reverse("portal:detail", args=["items", penalty.pk])))
    assert "《中华人民共和国安全生产法》第一百零二条" in text
    assert '<table class="bands">' in text
    assert "拒不改正" in text and "50,000 元 至 100,000 元" in text
    assert "服务指南" not in text
    licence = publisher.publish(
        "items",
        item_data(
            bureau,
            code="XK-1",
            name="危险化学品经营许可",
            category="licence",
            discretion_benchmark=[],
            service_guide="申请材料：危险化学品经营许可证申请书。",
            time_limit_days=20,
            time_limit_kind="working",
        ),
    )
    text = _text(client.get(reverse("portal:detail", args=["items", licence.pk])))
    assert "服务指南" in text and "危险化学品经营许可证申请书" in text
    assert "20 个工作日" in text


def test_history_shows_when_and_what_changed(client, bureau, publisher):
    item = publisher.publish("items", item_data(bureau))
    publisher.change("items", item, {"time_limit_days": 60, "time_limit_kind": "working"})
    text = _text(client.get(reverse("portal:detail", args=["items", item.pk])))
    history = text[text.index("变更记录") :]
    assert "首次公示" in history and "变更公示" in history
    assert history.index("变更公示") < history.index("首次公示")  # newest first
    assert re.search(r"办理时限（天）</th><td[^>]*>90</td><td[^>]*>60</td>", history)
    assert re.search(r"时限计算</th><td[^>]*>自然日</td><td[^>]*>工作日</td>", history)
    assert timezone.localdate().isoformat() in history


def test_history_of_an_officer_shows_suspension_with_reason(client, bureau, publisher):
    officer = publisher.publish("officers", officer_data())
    services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="涉嫌违法执法，暂扣执法证")
    text = _text(client.get(reverse("portal:detail", args=["officers", officer.pk])))
    history = text[text.index("变更记录") :]
    assert "<strong>暂扣执法证</strong>：涉嫌违法执法，暂扣执法证" in history
    assert "暂扣时间" in history


def test_template_download_serves_only_published_templates(client, bureau, publisher):
    template = publisher.publish("templates", template_data())
    url = reverse("portal:template-download", args=[template.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK\x03\x04 fake docx bytes"
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert url in _text(client.get(reverse("portal:detail", args=["templates", template.pk])))

    draft = publisher.draft("templates", template_data("WS-02", "草稿文书"))
    assert client.get(reverse("portal:template-download", args=[draft.pk])).status_code == 404
    publisher.withdraw("templates", template)
    assert client.get(url).status_code == 404


# --- certificate verification ---------------------------------------------------------------------------------------


def _verify(client, officer: Officer):
    return client.get(reverse("portal:verify-certificate", args=[officer.certificate_number]))


def test_verification_page_shows_the_holder_and_a_valid_state(client, bureau, publisher):
    officer = publisher.publish("officers", officer_data(department_id=bureau.section.pk))
    response = _verify(client, officer)
    assert response.status_code == 200
    text = _text(response)
    for expected in (
        "张建国",
        "21110320230001",
        "兴隆台区应急管理局",
        "执法监察科科员",
        "行政处罚、行政检查",
        "盘锦市兴隆台区",
    ):
        assert expected in text
    assert 'class="verify verify--ok"' in text
    assert '<strong class="verify__state-value">有效</strong>' in text
    assert response["Cache-Control"] == "no-store"


def test_verification_page_marks_expired_certificates_not_valid(client, bureau, publisher):
    today = timezone.localdate()
    officer = publisher.publish(
        "officers",
        officer_data(valid_from=today - dt.timedelta(days=800), valid_until=today - dt.timedelta(days=1)),
    )
    text = _text(_verify(client, officer))
    assert '<strong class="verify__state-value">已过期</strong>' in text
    assert 'class="verify verify--bad"' in text
    assert "不能" in text
    assert "已过期" in _text(client.get(reverse("portal:list", args=["officers"])))


def test_verification_state_is_computed_at_request_time(client, bureau, publisher):
    today = timezone.localdate()
    officer = publisher.publish("officers", officer_data(valid_until=today))
    assert '<strong class="verify__state-value">有效</strong>' in _text(_verify(client, officer))
    services.officer_certificate_suspend(actor=bureau.reviewer, officer=officer, reason="暂扣")
    assert '<strong class="verify__state-value">暂扣</strong>' in _text(_verify(client, officer))
    services.officer_certificate_reinstate(actor=bureau.reviewer, officer=officer)
    services.officer_certificate_revoke(actor=bureau.reviewer, officer=officer, reason="调离执法岗位")
    assert '<strong class="verify__state-value">已注销</strong>' in _text(_verify(client, officer))


def test_unknown_certificate_is_a_chinese_404(client, db):
    response = client.get(reverse("portal:verify-certificate", args=["NO-SUCH-0001"]))
    assert response.status_code == 404
    text = _text(response)
    assert "未查到该执法证" in text and "NO-SUCH-0001" in text
    assert client.get(reverse("portal:certificate-qr", args=["NO-SUCH-0001"])).status_code == 404


def test_draft_officer_cannot_be_verified(client, bureau, publisher):
    officer = publisher.submitted("officers", officer_data())
    assert _verify(client, officer).status_code == 404


def test_qr_code_png_decodes_to_the_public_verification_url(client, settings, bureau, publisher):
    officer = publisher.publish("officers", officer_data())
    response = client.get(reverse("portal:certificate-qr-png", args=[officer.certificate_number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    decoded = decode(Image.open(io.BytesIO(response.content)))
    assert len(decoded) == 1
    assert decoded[0].data.decode() == (
        "https://zfgs.example.gov.cn" + reverse("portal:verify-certificate", args=[officer.certificate_number])
    )
    svg = client.get(reverse("portal:certificate-qr-svg", args=[officer.certificate_number]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


def test_printable_qr_page_names_the_holder_and_the_address(client, bureau, publisher):
    officer = publisher.publish("officers", officer_data())
    text = _text(client.get(reverse("portal:certificate-qr", args=[officer.certificate_number])))
    assert "张建国" in text
    assert reverse("portal:certificate-qr-svg", args=[officer.certificate_number]) in text
    assert "https://zfgs.example.gov.cn/verify/certificate/21110320230001/" in text
    assert "data-print" in text


def test_detail_pages_take_a_fixed_number_of_queries_whatever_their_history(client, bureau, publisher):
    """The detail page loads its related rows with the entry and its history in one read of the record."""
    item = publisher.publish("items", item_data(bureau, code="DQ-1"))
    officer = publisher.publish("officers", officer_data("DQ-O", department_id=bureau.section.pk))

    def count(list_key: str, pk: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("portal:detail", args=[list_key, pk])).status_code == 200
        return len(ctx.captured_queries)

    before = {"items": count("items", item.pk), "officers": count("officers", officer.pk)}
    for n in range(3):  # three more published versions each
        item = publisher.change("items", item, {"time_limit_days": 30 + n})
        officer = publisher.change("officers", officer, {"post": f"科员{n}"})
    after = {"items": count("items", item.pk), "officers": count("officers", officer.pk)}
    assert after == before
    # session-free anonymous request: the entry with its agency and department, its agency check, its history; and
    # for 核验本条记录 (ledger.public_proof) the ledger's public check, the latest entry and the latest checkpoint
    assert before == {"items": 7, "officers": 7}
