"""Property tests of the draw through the database and the services: over random small pools (each target's region
and risk class), random conflicts, random counts of this year's inspections, a random cap and random plans, the
commitment refuses exactly the understaffed targets, and otherwise every drawn target gets enough distinct inspectors
who cover its region and have no conflict with it, no target at or over the cap is drawn, the quotas hold, one case
is opened per drawn target, and the draw verifies. Each example writes to the database and is rolled back."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any
from unittest import mock

from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sanxiang.cases.models import Case, CaseOfficer
from sanxiang.core.errors import ValidationError
from sanxiang.inspections import services
from sanxiang.inspections.models import Draw, DrawnTarget
from sanxiang.inspections.services import conflict_add, draw_commit, draw_verify, target_save
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.helpers import (  # noqa: F401 - evidence_in_tmp is an autouse fixture
    evidence_in_tmp,
    perform,
)

REGIONS = ("211102", "211103", "211104")
PLAN_REGIONS: tuple[list[str], ...] = ([], ["211103"], ["211102", "211104"])
N_TARGETS = 12
N_OFFICERS = 6


def covers(officer_region: str, place: str) -> bool:
    """The world's officers are of 211103, 211102 or the city 211100 (which covers every 2111xx district)."""
    return place[:4] == officer_region[:4] if officer_region.endswith("00") else place == officer_region


quota = st.one_of(
    st.builds(lambda n: {"count": n}, st.sampled_from([1, 2, 3, 4, 0])),
    st.builds(lambda r: {"ratio": r}, st.sampled_from(["0.5", "1", "0.3", "0.75", "0"])),
)


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    order = draw(st.permutations("ABCD"))
    n_classes = draw(st.sampled_from([2, 3, 4, 1]))
    return {
        "regions": draw(st.lists(st.sampled_from(REGIONS), min_size=N_TARGETS, max_size=N_TARGETS)),
        "risks": draw(st.lists(st.sampled_from("ABCD"), min_size=N_TARGETS, max_size=N_TARGETS)),
        "conflicts": draw(
            st.sets(st.tuples(st.integers(0, N_OFFICERS - 1), st.integers(0, N_TARGETS - 1)), max_size=10)
        ),
        "counts": draw(st.lists(st.sampled_from([0, 0, 0, 1, 2, 3]), min_size=N_TARGETS, max_size=N_TARGETS)),
        "cap": draw(st.sampled_from([2, 1, 3])),
        "classes": [{"risk": risk, **draw(quota)} for risk in order[:n_classes]],
        "per_target": draw(st.sampled_from([2, 2, 3])),
        "plan_regions": draw(st.sampled_from(PLAN_REGIONS)),
        "observer": draw(st.text(alphabet="0123456789 监督员见证abcXYZ", min_size=1, max_size=30).filter(str.strip)),
    }


def expected_quota(entry: dict[str, Any], n: int) -> int:
    if "count" in entry:
        return min(n, entry["count"])
    return min(n, math.ceil(n * Fraction(entry["ratio"])))


def run_scenario(w: InspectionWorld, s: dict[str, Any]) -> None:
    b = w.bureau
    targets = []
    for target, region, risk in zip(w.targets, s["regions"], s["risks"], strict=True):
        data = {name: getattr(target, name) for name in services.TARGET_FIELDS}
        saved, _ = target_save(actor=b.officer, agency=b.agency, data={**data, "region": region, "risk": risk})
        targets.append(saved)
    officers = w.officers
    for o, t in sorted(s["conflicts"]):
        conflict_add(actor=b.head, officer=officers[o], target=targets[t], reason="随机生成的利害关系")
    plan = w.plan(classes=s["classes"], inspectors_per_target=s["per_target"], regions=s["plan_regions"])
    counts = {t.uscc: n for t, n in zip(targets, s["counts"], strict=True) if n}
    pairs = {(officers[o].certificate_number, targets[t].uscc) for o, t in s["conflicts"]}

    # The reference: who may be drawn, by the rules stated in the issue, computed here independently.
    cap, need = s["cap"], s["per_target"]
    classes = {c["risk"]: c for c in s["classes"]}
    eligible = [
        t
        for t in targets
        if t.risk in classes
        and (not s["plan_regions"] or t.region in s["plan_regions"])
        and counts.get(t.uscc, 0) < cap
    ]
    allowed = {
        t.uscc: {
            o.certificate_number
            for o in officers
            if covers(o.region, t.region) and (o.certificate_number, t.uscc) not in pairs
        }
        for t in targets
    }
    short = sorted(t.uscc for t in eligible if len(allowed[t.uscc]) < need)

    with (
        override_settings(SANXIANG_INSPECTION_YEARLY_CAP=cap),
        mock.patch.object(services, "inspected_this_year", lambda usccs, year: dict(counts)),
    ):
        if short:
            try:
                draw_commit(actor=b.head, plan=plan)
            except ValidationError as exc:
                text = str(exc)
                assert f"{len(short)}户检查对象" in text
                assert all(uscc in text for uscc in short[:10])
                assert not Draw.objects.filter(plan=plan).exists()
                event("the commitment refused understaffed targets")
                return
            raise AssertionError(f"the commitment should refuse the understaffed targets {short}")
        draw = perform(w, draw_commit(actor=b.head, plan=plan), s["observer"])

    document = draw.plan_document
    assert {(c, u) for c, u in document["conflicts"]} == pairs
    assert dict(document["inspected_this_year"]) == counts and document["yearly_cap"] == cap
    by_uscc = {t.uscc: t for t in targets}
    selected = [row["target"] for row in draw.selection]
    assert len(selected) == len(set(selected))
    for row in draw.selection:
        target = by_uscc[row["target"]]
        assert target in eligible  # in a listed class and region, below the cap
        inspectors = row["inspectors"]
        assert len(inspectors) == need == len(set(inspectors))
        assert set(inspectors) <= allowed[target.uscc]  # covering its region, no conflict
    for risk, entry in classes.items():
        n = sum(1 for t in eligible if t.risk == risk)
        assert sum(1 for u in selected if by_uscc[u].risk == risk) == expected_quota(entry, n)
    # One inspection case per drawn target, its officers exactly the drawn ones.
    rows = list(DrawnTarget.objects.filter(draw=draw).order_by("position"))
    assert [r.target.uscc for r in rows] == selected
    for r in rows:
        officers_of_case = CaseOfficer.objects.filter(case=r.case).values_list("officer__certificate_number", flat=True)
        assert sorted(officers_of_case) == sorted(r.inspectors)
    assert Case.objects.filter(drawn_target__draw=draw).count() == len(selected)
    assert draw_verify(draw).ok
    event(f"drawn: {'none' if not selected else 'a few' if len(selected) < 4 else 'four or more'}")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(s=scenarios())
def test_draws_through_the_services_respect_conflicts_regions_the_cap_and_verify(inspection_world, s):
    # Each example runs in a savepoint that is rolled back: the world is the same for the next one.
    with transaction.atomic():
        try:
            run_scenario(inspection_world, s)
        finally:
            transaction.set_rollback(True)
