"""Which ledger actions are pushed, under which topic, with which public payload.

Domain apps register their actions in ``AppConfig.ready()``::

    from sanxiang.exchange.topics import register_topic

    register_topic("publication.publish", topic="publication", build=publication_payload)

``build(entry, subject)`` runs inside the recording transaction, after the change and its ledger entry are written,
and returns the public payload (a JSON object: only what the portal shows) or ``None`` when there is nothing to push
(an unpublished draft, an agency not yet public). It is called only when an active receiver subscribes to the topic.
``agency(subject)`` names the agency the information belongs to (receivers of one agency get only its messages); by
default the subject itself when it is an agency, else its ``agency_id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from sanxiang.org.models import Agency

Builder = Callable[[Any, Any], "dict[str, Any] | None"]
AgencyOf = Callable[[Any], "Agency | int | None"]

TOPIC_NAME = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$")
ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def default_agency(subject: models.Model) -> int | None:
    if isinstance(subject, Agency):
        return int(subject.pk)
    agency_id = getattr(subject, "agency_id", None)
    return int(agency_id) if agency_id is not None else None


@dataclass(frozen=True)
class Topic:
    action: str
    topic: str
    build: Builder
    agency: AgencyOf

    def agency_id(self, subject: Any) -> int | None:
        value = self.agency(subject)
        if isinstance(value, Agency):
            return int(value.pk)
        return value


_TOPICS: dict[str, Topic] = {}


def register_topic(action: str, *, topic: str, build: Builder, agency: AgencyOf | None = None) -> None:
    """Push every ledger entry with ``action`` under ``topic``, its payload made by ``build(entry, subject)``.

    Registering an action again replaces its builder (an app's ``ready()`` may run twice in tests); registering it
    under another topic is a programming error.
    """
    if not ACTION_NAME.match(action):
        raise ValueError(f"invalid action name {action!r} (expected e.g. 'publication.publish')")
    if not TOPIC_NAME.match(topic):
        raise ValueError(f"invalid topic name {topic!r} (lower case words separated by dots)")
    existing = _TOPICS.get(action)
    if existing is not None and existing.topic != topic:
        raise ValueError(f"action {action!r} is already pushed under topic {existing.topic!r}")
    _TOPICS[action] = Topic(action=action, topic=topic, build=build, agency=agency or default_agency)


def topic_for(action: str) -> Topic | None:
    return _TOPICS.get(action)


def topic_names() -> list[str]:
    """Every registered topic, sorted."""
    return sorted({t.topic for t in _TOPICS.values()})


def actions_of(topic: str) -> list[str]:
    return sorted(a for a, t in _TOPICS.items() if t.topic == topic)
