"""``{% record_proof obj %}``: the "verify this record" block for any published ledgered subject.

Usage::

    {% load record_proof %}
    <article data-record-scope>
      <h1 data-record-field="name">{{ obj.name }}</h1>
      …
      {% record_proof obj %}
    </article>

``obj`` is a model instance registered with the ledger (``sanxiang.ledger.registry.register``) or a ``RecordProof``
a view made with ``sanxiang.ledger.public_proof.record_proof`` (e.g. with ``public_actions``); None renders nothing.
The block appears only when ``registry.is_public`` says the subject is public; before a signed checkpoint covers its
latest entry it says that verification will be possible shortly. Elements inside the nearest ``data-record-scope``
ancestor (or anywhere on the page without one) marked ``data-record-field="<field>"`` must show exactly that field of
the record (its text, trimmed), or the check fails.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.db import models
from django.utils import timezone

from sanxiang.ledger.public_proof import RecordProof
from sanxiang.ledger.public_proof import record_proof as make_record_proof

register = template.Library()


@register.inclusion_tag("portal/includes/record_proof.html")
def record_proof(obj: Any) -> dict[str, Any]:
    proof: RecordProof | None
    if isinstance(obj, RecordProof):
        proof = obj
    elif isinstance(obj, models.Model):
        proof = make_record_proof(obj)
    else:
        proof = None
    if proof is None:
        return {"proof": None}
    return {
        "proof": proof,
        "time": timezone.localtime(dt.datetime.fromisoformat(proof.time)),
        "data": proof.data(),
        "block_id": f"record-proof-{proof.leaf_index}",
    }
