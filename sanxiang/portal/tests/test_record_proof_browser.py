"""核验本条记录 in a real browser: the vendored-JavaScript check of a published record against the signed log.

Playwright drives Debian's headless Chromium against the live server (the pattern of test_browser.py). WebCrypto's
``crypto.subtle`` is taken away before any page script runs, as on a plain-HTTP intranet page: the check must not
need it. Every tampering is done in the page's DOM before the click, as a forged page would be served.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanxiang.ledger import merkle, signing
from sanxiang.ledger.checkpoints import checkpoint_sign
from sanxiang.org.listing import entry_update
from sanxiang.portal.tests.conftest import item_data, officer_data, power_data
from sanxiang.registry.specs import ALL_LISTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

MODULE = "/static/sanxiang/verify-record.js"
STEPS = ["页面显示内容与原始记录一致", "记录摘要一致", "包含证明有效", "检查点签名有效"]

# Runs before any page script: no WebCrypto (as on plain HTTP), and a note of any attempt to reach it.
NO_SUBTLE = """
Object.defineProperty(globalThis.crypto, "subtle", {
  configurable: true,
  get() { globalThis.__subtleTouched = true; return undefined; },
});
"""


@pytest.fixture(autouse=True)
def ledger_dirs(settings: Any, tmp_path: Path) -> None:
    settings.SANXIANG_LEDGER_KEY_DIR = tmp_path / "keys"
    settings.SANXIANG_LEDGER_ORIGIN = "zfgs.example.gov.cn/ledger"


def _page(browser: Any, **options: Any) -> tuple[Any, Any]:
    context = browser.new_context(locale="zh-CN", **options)
    context.add_init_script(NO_SUBTLE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context, page = _page(browser)
    yield page
    assert page.evaluate("() => globalThis.__subtleTouched") is None, "the check reached for crypto.subtle"
    context.close()


@pytest.fixture
def officer(bureau: Any, publisher: Any) -> Any:
    officer = publisher.publish("officers", officer_data(department_id=bureau.section.pk))
    checkpoint_sign()
    return officer


def _open(page: Any, live_server: Any, officer: Any) -> Any:
    page.goto(live_server.url + reverse("portal:detail", args=["officers", officer.pk]))
    block = page.locator("[data-record-proof]")
    expect(block.get_by_role("heading", name="核验本条记录")).to_be_visible()
    return block


def _verify(block: Any) -> dict[str, bool]:
    """Click 核验 and return each step's outcome by its label."""
    block.get_by_role("button", name="核验", exact=True).click()
    result = block.locator("[data-record-result]")
    expect(result).to_be_visible()
    steps = result.locator("[data-record-steps] li")
    expect(steps).to_have_count(4)
    outcome = {}
    for n in range(4):
        item = steps.nth(n)
        label = item.locator(".record-proof__label").inner_text()
        name = next(s for s in STEPS if s in label)
        outcome[name] = item.get_attribute("data-ok") == "true"
    assert list(outcome) == STEPS
    return outcome


def _assert_failed(block: Any) -> None:
    result = block.locator("[data-record-result]")
    expect(result).to_have_attribute("data-outcome", "fail")
    expect(block.get_by_role("status")).to_contain_text("核验未通过")


def test_a_published_entry_verifies_in_the_browser(live_server, page, officer):
    block = _open(page, live_server, officer)
    # WebCrypto is gone (read without touching it: the getter would mark the page).
    assert page.evaluate("() => typeof Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle').get") == "function"
    # The record is shown as the canonical JSON that is hashed.
    block.locator("summary", has_text="原始记录").click()
    shown = block.locator("[data-record-json]").inner_text()
    assert json.loads(shown)["certificate_number"] == officer.certificate_number

    assert _verify(block) == dict.fromkeys(STEPS, True)
    expect(block.locator("[data-record-result]")).to_have_attribute("data-outcome", "pass")
    expect(block.get_by_role("status")).to_have_text("核验通过：本页显示的记录与平台签名日志中的记录一致。")
    expect(block).to_contain_text("已比对字段：name、version")
    expect(block).to_contain_text(f"由公钥 zfgs.example.gov.cn/ledger+{signing.current_signer().key_id.hex()}")
    assert page.console_errors == []


def test_one_changed_byte_of_the_shown_record_fails(live_server, page, officer):
    block = _open(page, live_server, officer)
    number = officer.certificate_number
    changed = number[:-1] + ("0" if number[-1] != "0" else "1")  # one ASCII digit: one byte
    page.evaluate(
        """([number, changed]) => {
          const pre = document.querySelector("[data-record-json]");
          pre.textContent = pre.textContent.replace('"' + number + '"', '"' + changed + '"');
        }""",
        [number, changed],
    )
    outcome = _verify(block)
    assert outcome == {**dict.fromkeys(STEPS, True), "记录摘要一致": False}
    _assert_failed(block)
    expect(block).to_contain_text("原始记录的 SHA-256 为")


def test_a_page_showing_something_else_than_the_record_fails(live_server, page, officer):
    block = _open(page, live_server, officer)
    page.evaluate("() => { document.querySelector('h1[data-record-field=\"name\"]').textContent = '李四'; }")
    outcome = _verify(block)
    assert outcome == {**dict.fromkeys(STEPS, True), "页面显示内容与原始记录一致": False}
    _assert_failed(block)
    expect(block).to_contain_text("页面显示与原始记录不符的字段：name")


def _edit_data(page: Any, script: str) -> None:
    """Change the embedded proof data (the <script type="application/json"> block) with ``script`` on ``data``."""
    page.evaluate(
        """(script) => {
          const element = document.querySelector('[data-record-proof] script[type="application/json"]');
          const data = JSON.parse(element.textContent);
          new Function("data", script)(data);
          element.textContent = JSON.stringify(data);
        }""",
        script,
    )


def test_a_changed_proof_hash_fails(live_server, page, bureau, publisher, officer):
    # A few more leaves, so that the proof has hashes to change.
    for n in range(3):
        publisher.publish("officers", officer_data(f"2111032023010{n}", f"执法员{n}"))
    checkpoint_sign()
    block = _open(page, live_server, officer)
    assert _verify(block) == dict.fromkeys(STEPS, True)
    _edit_data(
        page,
        "const h = data.audit_path[0]; data.audit_path[0] = (h[0] === '0' ? '1' : '0') + h.slice(1);",
    )
    outcome = _verify(block)
    assert outcome == {**dict.fromkeys(STEPS, True), "包含证明有效": False}
    _assert_failed(block)
    expect(block).to_contain_text("证明得出的根哈希")


def test_a_changed_leaf_field_fails(live_server, page, officer):
    block = _open(page, live_server, officer)
    _edit_data(page, "data.leaf.time = data.leaf.time.replace(/.Z$/, (m) => (m[0] === '0' ? '1' : '0') + 'Z');")
    assert _verify(block)["包含证明有效"] is False
    _assert_failed(block)


def test_a_changed_signature_fails(live_server, page, officer):
    block = _open(page, live_server, officer)
    _edit_data(
        page,
        """
        const [text, sig] = data.checkpoint.split("\\n\\n");
        const parts = sig.trimEnd().split(" ");
        const bytes = Uint8Array.from(atob(parts[2]), (c) => c.charCodeAt(0));
        bytes[bytes.length - 1] ^= 1;  // one bit of the Ed25519 signature (the key id, first 4 bytes, is kept)
        parts[2] = btoa(String.fromCharCode(...bytes));
        data.checkpoint = text + "\\n\\n" + parts.join(" ") + "\\n";
        """,
    )
    outcome = _verify(block)
    assert outcome == {**dict.fromkeys(STEPS, True), "检查点签名有效": False}
    _assert_failed(block)
    expect(block).to_contain_text("Ed25519 签名与检查点内容和公钥不符")


def test_a_changed_checkpoint_root_fails_both_the_proof_and_the_signature(live_server, page, officer):
    block = _open(page, live_server, officer)
    _edit_data(
        page,
        """
        const lines = data.checkpoint.split("\\n");
        const root = Uint8Array.from(atob(lines[2]), (c) => c.charCodeAt(0));
        root[0] ^= 1;
        lines[2] = btoa(String.fromCharCode(...root));
        data.checkpoint = lines.join("\\n");
        """,
    )
    outcome = _verify(block)
    assert outcome["包含证明有效"] is False and outcome["检查点签名有效"] is False
    _assert_failed(block)


def test_the_visitors_own_key_decides(live_server, page, officer):
    block = _open(page, live_server, officer)
    block.get_by_text("使用您自己保存的公钥核验").click()
    key_input = block.get_by_label("公钥（名称+密钥标识+公钥）")
    # Another key under the same name: an impostor's, say. The checkpoint is not signed by it.
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    key_input.fill(signing.verifier_key_string("zfgs.example.gov.cn/ledger", other))
    assert _verify(block)["检查点签名有效"] is False
    expect(block).to_contain_text("检查点没有该公钥的签名")
    # A key whose id does not match its name and key is refused.
    good = signing.current_verifier_key()
    name, _key_id, b64 = good.split("+", 2)
    key_input.fill(f"{name}+{'0' * 8}+{b64}")
    assert _verify(block)["检查点签名有效"] is False
    expect(block).to_contain_text("密钥标识与名称和公钥不符")
    # The published key, kept out of band: passes, and says it was the visitor's.
    key_input.fill(good)
    assert _verify(block) == dict.fromkeys(STEPS, True)
    expect(block).to_contain_text("（您提供的公钥）")


def test_before_a_checkpoint_the_page_says_verification_comes_shortly(live_server, page, bureau, publisher):
    officer = publisher.publish("officers", officer_data())
    block = _open(page, live_server, officer)
    expect(block).to_contain_text("签名检查点")
    expect(block.get_by_role("button", name="核验", exact=True)).to_have_count(0)
    checkpoint_sign()
    page.reload()
    assert _verify(block) == dict.fromkeys(STEPS, True)


def test_a_change_under_review_is_not_shown_and_the_published_version_verifies(live_server, page, bureau, officer):
    entry_update(actor=bureau.reviewer, spec=ALL_LISTS["officers"], obj=officer, data={"post": "副科长（待审核）"})
    checkpoint_sign()
    block = _open(page, live_server, officer)
    expect(block).to_contain_text("该条目此后另有尚未公示的记录")
    assert "副科长（待审核）" not in page.content()
    assert _verify(block) == dict.fromkeys(STEPS, True)


def test_the_block_fits_a_phone(live_server, browser, officer):
    context, phone = _page(
        browser, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    phone.goto(live_server.url + reverse("portal:detail", args=["officers", officer.pk]))
    block = phone.locator("[data-record-proof]")
    block.locator("summary", has_text="原始记录").click()
    assert _verify(block) == dict.fromkeys(STEPS, True)
    widths = phone.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, view: document.documentElement.clientWidth})"
    )
    assert widths["scroll"] <= widths["view"], widths
    context.close()


# --- the JavaScript RFC 8785 against Python's ---------------------------------------------------------------------

TRICKY: list[Any] = [
    "兴隆台区应急管理局",
    '引号"反斜杠\\斜杠/',
    "\u0000\u0001\u0008\t\n\u000b\u000c\r\u001f\u007f\u0080\u00ff",
    "\u2028\u2029",
    "😀👨‍👩‍👧 emoji and 𠀀 (outside the BMP)",
    "\ufb33\uffff\ue000",
    "",
    {"b": 1, "a": 2, "\r": 3, "1": 4, "€": 5, "😀": 6, "\ufb33": 7, "aa": 8, "A": 9, "": 10},
    {"nested": [{"z": None, "y": True, "x": False}, [], {}], "数值": -0, "big": 9007199254740991, "neg": -42},
    {"fine_min": "50000", "fine_max": "100000.5", "ratio_percent": "5"},
]

_CHARS = st.characters(exclude_categories=["Cs"])  # no lone surrogates: RFC 8785 refuses them
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1) | st.text(_CHARS),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(_CHARS, max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _canonicalize_in_browser(page: Any, values: list[Any]) -> list[dict[str, str]]:
    return page.evaluate(
        """async ([module, values]) => {
          const m = await import(module);
          return values.map((v) => { const c = m.canonicalize(v); return { text: c, sha256: m.sha256Hex(c) }; });
        }""",
        [MODULE, values],
    )


def test_js_canonicalisation_equals_pythons_for_tricky_values(live_server, page):
    page.goto(live_server.url + reverse("portal:home"))
    results = _canonicalize_in_browser(page, TRICKY)
    for value, result in zip(TRICKY, results, strict=True):
        expected = rfc8785.dumps(value)
        assert result["text"].encode("utf-8") == expected, value
        assert result["sha256"] == hashlib.sha256(expected).hexdigest()


def test_js_refuses_what_rfc8785_refuses(live_server, page):
    page.goto(live_server.url + reverse("portal:home"))
    refused = page.evaluate(
        """async (module) => {
          const m = await import(module);
          const attempt = (v) => { try { m.canonicalize(v); return false; } catch { return true; } };
          return [attempt("\\ud800"), attempt("a\\udc00"), attempt(2 ** 53), attempt(Infinity), attempt(NaN)];
        }""",
        MODULE,
    )
    assert refused == [True] * 5
    for value in ("\ud800", 2**53):
        with pytest.raises(rfc8785.CanonicalizationError if isinstance(value, str) else rfc8785.IntegerDomainError):
            rfc8785.dumps(value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(json_values, min_size=1, max_size=8))
def test_js_canonicalisation_equals_pythons_for_any_json(live_server, page, values):
    if page.url == "about:blank":
        page.goto(live_server.url + reverse("portal:home"))
    results = _canonicalize_in_browser(page, values)
    for value, result in zip(values, results, strict=True):
        assert result["text"].encode("utf-8") == rfc8785.dumps(value), value


def test_other_lists_verify_too(live_server, page, bureau, publisher):
    """An enforcement item (JSON lists, decimal strings in the benchmark) and a power, each changed once."""
    item = publisher.publish("items", item_data(bureau))
    item = publisher.change("items", item, {"time_limit_days": 60})
    power = publisher.publish("powers", power_data())
    power = publisher.change("powers", power, {"accountability": "不履行职责的，依法追究责任。"})
    checkpoint_sign()
    for list_key, pk in (("items", item.pk), ("powers", power.pk)):
        page.goto(live_server.url + reverse("portal:detail", args=[list_key, pk]))
        block = page.locator("[data-record-proof]")
        assert _verify(block) == dict.fromkeys(STEPS, True), list_key
        expect(block.locator("[data-record-json]")).to_contain_text('"version":2')
    assert page.console_errors == []


# --- the JavaScript RFC 9162 proof walk against Python's ------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), size=st.integers(min_value=1, max_value=300))
def test_js_inclusion_walk_equals_the_ledgers(live_server, page, data, size):
    """For trees of any size and any leaf: the JS walk of the Python proof gives the Python root, and a proof for
    another index, or one hash short, does not."""
    if page.url == "about:blank":
        page.goto(live_server.url + reverse("portal:home"))
    leaves = [merkle.leaf_hash(f"leaf {n}".encode()) for n in range(size)]
    store = merkle.MemoryNodeStore(leaves)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    path = merkle.inclusion_proof(store, index, size)
    root = merkle.root(store, size)
    cases = [(index, [p.hex() for p in path])]
    if size > 1:
        cases.append(((index + 1) % size, [p.hex() for p in path]))
        cases.append((index, [p.hex() for p in path[:-1]]))
    got = page.evaluate(
        """async ([module, leaf, size, cases]) => {
          const m = await import(module);
          const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (b) => parseInt(b, 16));
          return cases.map(([index, path]) => {
            try { return m.toHex(m.rootFromInclusionProof(bytes(leaf), index, size, path.map(bytes))); }
            catch (e) { return "error: " + e.message; }
          });
        }""",
        [MODULE, leaves[index].hex(), size, cases],
    )
    assert got[0] == root.hex()
    assert all(result != root.hex() for result in got[1:])
