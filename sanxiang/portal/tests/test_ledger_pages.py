"""记录核验: the public ledger page shows the signed checkpoint, the public keys, past checkpoints and proofs."""

from __future__ import annotations

import base64
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from sanxiang.ledger import signing
from sanxiang.ledger.checkpoints import checkpoint_sign
from sanxiang.ledger.selectors import entries_for
from sanxiang.org.listing import entry_create
from sanxiang.registry.specs import ALL_LISTS
from sanxiang.registry.tests import factories as f


@pytest.fixture(autouse=True)
def key_dir(settings: Any, tmp_path: Path) -> Path:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"
    return tmp_path / "keys"


def page(client: Any, **params: Any) -> str:
    response = client.get(reverse("portal:ledger"), params)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_empty_log_page_generates_no_key(client, db, key_dir):
    html = page(client)
    assert "尚无签名检查点" in html
    assert not key_dir.exists()


def test_page_shows_latest_note_keys_and_history(client, bureau):
    f.publish("powers", bureau=bureau, data=f.power_data())
    old = checkpoint_sign(size=1)
    signing.rotate_key()
    latest = checkpoint_sign()
    html = page(client)
    assert latest.note in html
    assert 'aria-label="主导航"' in html and "行政执法公示" in html  # the portal's frame
    old_key, new_key = signing.verifier_keys()
    assert f'{new_key}</code> <span class="badge badge--ok">当前' in html
    assert f'{old_key}</code> <span class="badge">已轮换' in html
    assert old.root in html and latest.root in html


def test_proof_lookup_verifies_and_shows_published_leaf_only(client, bureau):
    published = f.publish("powers", bureau=bureau, data=f.power_data())
    draft = entry_create(
        actor=bureau.reviewer, spec=ALL_LISTS["powers"], agency=bureau.agency, data=f.power_data(code="QZ-999")
    )
    checkpoint_sign()
    shown = entries_for(published).last()
    hidden = entries_for(draft).last()
    assert shown is not None and hidden is not None

    html = page(client, hash=base64.b64encode(bytes.fromhex(shown.leaf_hash)).decode())
    assert "已核对：审计路径通向该检查点的根哈希" in html
    assert f'"subject": "registry.power:{published.pk}"' in html

    html = page(client, hash=hidden.leaf_hash)
    assert "已核对" in html
    assert f"registry.power:{draft.pk}" not in html
    assert "记录内容仅工作人员可查看" in html

    assert "日志中没有该叶子哈希" in page(client, hash="ab" * 32)
    assert "应为 32 字节哈希" in page(client, hash="nonsense")
    assert "不在大小为 1 的树中" in page(client, hash=hidden.leaf_hash, size="1")
