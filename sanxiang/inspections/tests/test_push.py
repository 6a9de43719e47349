"""Random inspections pushed to other platforms (topic ``inspection``, docs/exchange.md): the published plan, the
commitment, the draw and each drawn target's result, in order, in messages the documented schema accepts — never a
draft plan, never the bureau's seed before the draw, never to a receiver of another agency."""

from __future__ import annotations

from typing import Any

from sanxiang.exchange.delivery import deliver_due
from sanxiang.exchange.models import Message
from sanxiang.exchange.tests.conftest import PushServer, _secrets_in_tmp, add_receiver, server
from sanxiang.exchange.tests.test_topics import validator
from sanxiang.exchange.topics import actions_of
from sanxiang.inspections.models import DrawnTarget, DrawSecret, InspectionResult
from sanxiang.inspections.services import draw_cancel, draw_commit
from sanxiang.inspections.tests.conftest import InspectionWorld
from sanxiang.inspections.tests.helpers import evidence_in_tmp, perform
from sanxiang.inspections.tests.test_results import close_none_found, quick_pdf

__all__ = ["_secrets_in_tmp", "evidence_in_tmp", "quick_pdf", "server"]


def secret_of(draw: Any) -> str:
    return str(DrawSecret.objects.get(pk=draw.secret_id).bureau_seed)


def test_the_topic_names_its_five_actions() -> None:
    assert actions_of("inspection") == ["draw.cancel", "draw.commit", "draw.perform", "draw.result", "plan.publish"]


def test_plan_commitment_draw_and_result_are_pushed_in_order_without_the_seed_before_the_draw(
    inspection_world: InspectionWorld, server: PushServer, settings: Any
) -> None:
    w = inspection_world
    b = w.bureau
    add_receiver(b, server.url, topics="inspection")
    stranger = add_receiver(b, server.url, topics="*", name="其他机构的平台", actor=b.superuser, agency=b.other_agency)
    draft = w.plan(publish=False, classes=[{"risk": "A", "count": 1}])
    assert not Message.objects.exists()  # a draft plan is never pushed
    plan = w.plan(classes=[{"risk": "A", "count": 1}])
    draw = draw_commit(actor=b.head, plan=plan)
    secret = secret_of(draw)
    draw = perform(w, draw)
    row = DrawnTarget.objects.select_related("case").get(draw=draw)
    close_none_found(w, row)

    assert not Message.objects.filter(receiver=stranger).exists()  # another agency's receiver gets nothing
    report = deliver_due()
    assert report.delivered == 4
    accepted = server.accepted
    assert all(r.signature_valid() for r in accepted)
    received = [r.envelope for r in accepted]
    assert [(e["topic"], e["action"]) for e in received] == [
        ("inspection", "plan.publish"),
        ("inspection", "draw.commit"),
        ("inspection", "draw.perform"),
        ("inspection", "draw.result"),
    ]
    assert [e["ledger_seq"] for e in received] == sorted(e["ledger_seq"] for e in received)
    check = validator()
    for envelope in received:
        errors = [e.message for e in check.iter_errors(envelope)]
        assert errors == [], (envelope["action"], errors)
        assert envelope["agency"]["id"] == b.agency.pk

    plan_msg, commit_msg, perform_msg, result_msg = (e["payload"] for e in received)
    base = settings.PUBLIC_BASE_URL
    assert plan_msg["kind"] == "plan" and plan_msg["id"] == plan.pk
    assert plan_msg["url"] == f"{base}/inspections/plans/{plan.pk}/"
    assert plan_msg["record"]["state"] == "published" and plan_msg["record"]["code"] == plan.code
    assert draft.code not in accepted[0].body.decode()
    # The commitment: its hashes, an empty seed column; the seed's text is in no message before the draw's.
    assert commit_msg["kind"] == "draw" and commit_msg["url"] == f"{base}/inspections/draws/{draw.pk}/"
    assert commit_msg["record"]["commitment"] == draw.commitment and commit_msg["record"]["bureau_seed"] == ""
    for request in accepted[:2]:
        assert secret not in request.body.decode()
    assert perform_msg["record"]["bureau_seed"] == secret and perform_msg["record"]["state"] == "drawn"
    assert perform_msg["record"]["selection"] == draw.selection
    assert result_msg["kind"] == "drawn_target" and result_msg["id"] == row.pk
    assert result_msg["url"] == f"{base}/inspections/draws/{draw.pk}/"  # a drawn target's page is its draw's
    assert result_msg["record"]["result"] == InspectionResult.NONE_FOUND.value

    # A spoiled message fails the schema: a commitment carrying a seed, a kind that is not one.
    spoiled = {**received[1], "payload": {**commit_msg, "record": {**commit_msg["record"], "bureau_seed": secret}}}
    assert not check.is_valid(spoiled)
    assert not check.is_valid({**received[0], "payload": {**plan_msg, "kind": "target"}})
    assert not check.is_valid(
        {**received[0], "payload": {**plan_msg, "record": {**plan_msg["record"], "state": "draft"}}}
    )


def test_a_cancelled_commitment_is_pushed_with_its_unused_seed(
    inspection_world: InspectionWorld, server: PushServer
) -> None:
    w = inspection_world
    add_receiver(w.bureau, server.url, topics="inspection")
    draw = draw_commit(actor=w.bureau.head, plan=w.plan())
    draw_cancel(actor=w.bureau.head, draw=draw, reason="见证人未到场")
    deliver_due()
    received = [r.envelope for r in server.accepted]
    assert [e["action"] for e in received] == ["plan.publish", "draw.commit", "draw.cancel"]
    cancelled = received[-1]["payload"]["record"]
    assert (cancelled["state"], cancelled["cancel_reason"]) == ("cancelled", "见证人未到场")
    assert cancelled["bureau_seed"] == secret_of(draw) and secret_of(draw) not in server.accepted[1].body.decode()
    check = validator()
    assert all(check.is_valid(e) for e in received)


def test_nothing_is_pushed_without_a_receiver_of_the_topic(
    inspection_world: InspectionWorld, server: PushServer
) -> None:
    w = inspection_world
    add_receiver(w.bureau, server.url, topics="publication registry.*")
    perform(w, draw_commit(actor=w.bureau.head, plan=w.plan()))
    assert not Message.objects.filter(topic="inspection").exists()
