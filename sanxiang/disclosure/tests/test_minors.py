"""Zero minors published: every natural person of the redaction corpus (docs/redaction.md) run through the real
pipeline — a case for that person decided, its publication task made, the confirmer publishing with the corpus's
date of the violation. Those under 18 on that date (age from the ID number) must end withheld, the rest published."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sanxiang.core.redaction import is_minor
from sanxiang.disclosure import services
from sanxiang.disclosure.models import Publication, PublicationTask, TaskState
from sanxiang.disclosure.tests.conftest import PERSON, CaseWorld, decide_summary
from sanxiang.disclosure.tests.test_services import id_number

CORPUS = Path(__file__).resolve().parents[2] / "core" / "tests" / "data" / "redaction_corpus.json"


def test_no_minor_of_the_corpus_is_published(case_world: CaseWorld) -> None:
    people = [item for item in json.loads(CORPUS.read_text()) if item["kind"] == "person"]
    assert len(people) >= 30 and any(item.get("party_birth_date") for item in people)
    minors = adults = 0
    for n, item in enumerate(people):
        if not item.get("party_birth_date"):
            continue
        born = dt.date.fromisoformat(item["party_birth_date"])
        violation = dt.date.fromisoformat(item["violation_on"])
        name = next(k["name"] for k in item["known_names"] if k["role"] == "party")
        party = {**PERSON, "name": name, "id_number": id_number(born, f"{n % 1000:03d}")}
        case = decide_summary(case_world, party=party)
        task = PublicationTask.objects.get(case=case)
        if task.state == TaskState.DUE:
            services.publication_publish(actor=case_world.bureau.reviewer, task=task, violation_on=violation)
            task.refresh_from_db()
        if is_minor(born, violation):
            minors += 1
            assert task.state == TaskState.WITHHELD, item["id"]
            assert not Publication.objects.filter(task=task).exists(), item["id"]
        else:
            adults += 1
            assert task.state == TaskState.PUBLISHED, item["id"]
    assert minors >= 5 and adults >= 20
    # And over everything published: no natural-person party was under 18 on the recorded date of the violation.
    for publication in Publication.objects.select_related("task__case"):
        on = publication.task.violation_on
        assert on is not None
        assert not any(party.is_minor(on) for party in publication.task.case.parties.all())
