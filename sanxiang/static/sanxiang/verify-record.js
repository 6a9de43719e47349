// 核验本条记录: check a published record in the browser against the platform's signed log (docs/ledger-verify.md).
//
// For each block rendered by {% record_proof %} (an element with [data-record-proof]) the button runs four checks:
//   1. every element of the page marked data-record-field="<name>" shows the record's value for that field;
//   2. SHA-256 of the RFC 8785 canonical JSON of the record shown in 原始记录 equals the entry's digest;
//   3. the entry's leaf (RFC 8785 JSON of {v, seq, time, actor, action, subject, digest, blob?}) hashed as RFC 9162
//      H(0x00 ‖ leaf), folded with the inclusion proof (RFC 9162 §2.1.3.2), gives the checkpoint's root and size;
//   4. the checkpoint (C2SP tlog-checkpoint in a C2SP signed note) carries a valid Ed25519 signature by the
//      verifier key <name>+<key id>+base64(0x01 ‖ public key), whose key id is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4].
// Pure JavaScript (vendored noble hashes and ed25519): no crypto.subtle, which plain-HTTP intranet pages lack. Nothing
// is sent anywhere. An ES module loaded with <script type="module" src>; the CSP forbids inline scripts.

import { sha256, sha512 } from "../vendor/noble/hashes/sha2.js";
import * as ed from "../vendor/noble/ed25519/index.js";

// noble-ed25519's default SHA-512 is crypto.subtle (async); use noble's own, synchronously.
ed.etc.sha512Sync = (...messages) => sha512(ed.etc.concatBytes(...messages));

const encoder = new TextEncoder();
const EM_DASH = "\u2014";
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;

// --- RFC 8785 (JCS) -------------------------------------------------------------------------------------------------

function canonicalString(text) {
  if (LONE_SURROGATE.test(text)) {
    throw new Error("字符串含有不成对的代理项，不是有效的 Unicode");
  }
  // JCS serialises strings exactly as ECMAScript's JSON.stringify: \" \\ \b \f \n \r \t, other controls as \u00xx,
  // everything else (CJK, emoji, U+2028) as is.
  return JSON.stringify(text);
}

function canonicalNumber(value) {
  if (!Number.isFinite(value)) {
    throw new Error("数值无效（无穷大或非数）");
  }
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    throw new Error("整数超出 JSON 安全范围");
  }
  // JCS numbers are ECMAScript's Number.prototype.toString (our states hold integers; decimals are strings).
  return String(value);
}

/** The RFC 8785 canonical JSON text of a JSON value (objects' keys sorted by UTF-16 code units). */
export function canonicalize(value) {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      return canonicalNumber(value);
    case "string":
      return canonicalString(value);
    case "object": {
      if (Array.isArray(value)) {
        return "[" + value.map(canonicalize).join(",") + "]";
      }
      // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const keys = Object.keys(value).sort();
      return "{" + keys.map((key) => canonicalString(key) + ":" + canonicalize(value[key])).join(",") + "}";
    }
    default:
      throw new Error("不是 JSON 值：" + typeof value);
  }
}

// --- bytes ----------------------------------------------------------------------------------------------------------

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text) {
  if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) {
    throw new Error("不是十六进制：" + String(text).slice(0, 80));
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function fromBase64(text) {
  let binary;
  try {
    binary = atob(text);
  } catch {
    throw new Error("不是 base64：" + String(text).slice(0, 80));
  }
  const out = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  if (btoa(binary) !== text) throw new Error("base64 不规范：" + text.slice(0, 80));
  return out;
}

function concat(...parts) {
  return ed.etc.concatBytes(...parts);
}

function equalBytes(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function sha256Hex(text) {
  return toHex(sha256(encoder.encode(text)));
}

// --- RFC 9162 -------------------------------------------------------------------------------------------------------

export function leafHash(leafText) {
  return sha256(concat(new Uint8Array([0]), encoder.encode(leafText)));
}

/** RFC 9162 §2.1.3.2: the root that ``path`` leads to from leaf ``index`` of a tree of ``size`` leaves. */
export function rootFromInclusionProof(hash, index, size, path) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new Error(`叶子序号 ${index} 不在大小为 ${size} 的树中`);
  }
  // Indices are below 2^53; BigInt keeps the shifts exact beyond 2^31.
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = hash;
  for (const p of path) {
    if (p.length !== 32) throw new Error("证明中的哈希不是 32 字节");
    if (sn === 0n) throw new Error("包含证明过长");
    if (fn & 1n || fn === sn) {
      r = sha256(concat(new Uint8Array([1]), p, r));
      while (fn !== 0n && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = sha256(concat(new Uint8Array([1]), r, p));
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("包含证明过短");
  return r;
}

// --- C2SP signed note and tlog-checkpoint ---------------------------------------------------------------------------

/** ``{name, keyId, publicKey}`` of a verifier key ``<name>+<key id hex>+base64(0x01 ‖ public key)``. */
export function parseVerifierKey(text) {
  const trimmed = String(text).trim();
  const first = trimmed.indexOf("+");
  const second = trimmed.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new Error("公钥格式应为 名称+密钥标识+公钥");
  const name = trimmed.slice(0, first);
  const idHex = trimmed.slice(first + 1, second);
  const typed = fromBase64(trimmed.slice(second + 1));
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new Error("密钥标识应为 8 位小写十六进制");
  if (/\s/.test(name)) throw new Error("公钥名称含有空白");
  if (typed.length !== 33 || typed[0] !== 0x01) throw new Error("不是 Ed25519 公钥（类型 0x01，32 字节）");
  const computed = sha256(concat(encoder.encode(name + "\n"), typed)).slice(0, 4);
  if (toHex(computed) !== idHex) throw new Error("密钥标识与名称和公钥不符");
  return { name, keyId: computed, publicKey: typed.slice(1) };
}

/** Split a signed note into its text (ending in a newline) and signature lines. */
export function parseNote(note) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Error("检查点缺少签名部分");
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split("\n")
    .map((line) => {
      const fields = line.split(" ");
      if (fields.length !== 3 || fields[0] !== EM_DASH) throw new Error("签名行格式应为 “— 名称 base64”");
      const blob = fromBase64(fields[2]);
      if (blob.length < 5) throw new Error("签名过短");
      return { name: fields[1], keyId: blob.slice(0, 4), signature: blob.slice(4) };
    });
  const lines = text.split("\n");
  if (lines.length < 4) throw new Error("检查点应有日志标识、树大小、根哈希三行");
  const [origin, sizeText, rootText] = lines;
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText)) throw new Error("检查点树大小不是十进制数");
  const root = fromBase64(rootText);
  if (root.length !== 32) throw new Error("检查点根哈希不是 32 字节");
  return { text, signatures, origin, size: Number(sizeText), root };
}

// --- the checks -----------------------------------------------------------------------------------------------------

function displayed(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return canonicalize(value);
  return String(value);
}

function checkFields(record, scope) {
  const marked = Array.from(scope.querySelectorAll("[data-record-field]"));
  if (!marked.length) return { ok: true, detail: "本页未标注可比对的字段" };
  const wrong = [];
  for (const element of marked) {
    const name = element.dataset.recordField;
    const shown = element.textContent.trim();
    if (!Object.prototype.hasOwnProperty.call(record, name) || shown !== displayed(record[name]).trim()) {
      wrong.push(name);
    }
  }
  if (wrong.length) return { ok: false, detail: "页面显示与原始记录不符的字段：" + wrong.join("、") };
  return { ok: true, detail: "已比对字段：" + marked.map((e) => e.dataset.recordField).join("、") };
}

function step(label, run) {
  try {
    const result = run();
    return { label, ok: result.ok, detail: result.detail };
  } catch (error) {
    return { label, ok: false, detail: error && error.message ? error.message : String(error) };
  }
}

/** Run every check of one [data-record-proof] block; returns ``{ok, steps: [{label, ok, detail}]}``. */
export function verifyBlock(block) {
  const dataElement = block.querySelector('script[type="application/json"]');
  const recordElement = block.querySelector("[data-record-json]");
  const keyInput = block.querySelector("[data-record-key]");
  const scope = block.closest("[data-record-scope]") || document;
  const data = JSON.parse(dataElement.textContent);
  const leaf = data.leaf;
  let record = null;
  let note = null;
  let rootFromProof = null;

  const steps = [
    step("页面显示内容与原始记录一致", () => {
      record = JSON.parse(recordElement.textContent);
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        return { ok: false, detail: "原始记录不是 JSON 对象" };
      }
      return checkFields(record, scope);
    }),
    step("记录摘要一致", () => {
      if (record === null) record = JSON.parse(recordElement.textContent);
      const digest = sha256Hex(canonicalize(record));
      if (digest !== leaf.digest) {
        return { ok: false, detail: `原始记录的 SHA-256 为 ${digest}，日志记录的摘要为 ${leaf.digest}` };
      }
      return { ok: true, detail: `SHA-256 ${digest}` };
    }),
    step("包含证明有效", () => {
      if (leaf.seq !== data.leaf_index) return { ok: false, detail: "叶子序号与证明不符" };
      const hash = leafHash(canonicalize(leaf));
      rootFromProof = rootFromInclusionProof(hash, data.leaf_index, data.tree_size, data.audit_path.map(fromHex));
      note = parseNote(data.checkpoint);
      if (note.size !== data.tree_size) {
        return { ok: false, detail: `证明的树大小 ${data.tree_size} 与检查点的 ${note.size} 不符` };
      }
      if (!equalBytes(rootFromProof, note.root)) {
        return { ok: false, detail: `证明得出的根哈希 ${toHex(rootFromProof)} 与检查点的 ${toHex(note.root)} 不符` };
      }
      return {
        ok: true,
        detail: `叶子哈希 ${toHex(hash)} 位于第 ${data.leaf_index} 号，经 ${data.audit_path.length} 步得出检查点根哈希 ${toHex(note.root)}（树大小 ${note.size}）`,
      };
    }),
    step("检查点签名有效", () => {
      const own = keyInput && keyInput.value.trim();
      const key = parseVerifierKey(own || data.verifier_key);
      if (note === null) note = parseNote(data.checkpoint);
      if (note.origin !== key.name) return { ok: false, detail: `检查点的日志标识 ${note.origin} 不是公钥的名称 ${key.name}` };
      const signature = note.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
      if (!signature) return { ok: false, detail: "检查点没有该公钥的签名" };
      const valid = ed.verify(signature.signature, encoder.encode(note.text), key.publicKey, { zip215: false });
      if (!valid) return { ok: false, detail: "Ed25519 签名与检查点内容和公钥不符" };
      return { ok: true, detail: `由公钥 ${key.name}+${toHex(key.keyId)}${own ? "（您提供的公钥）" : ""} 签名` };
    }),
  ];
  return { ok: steps.every((s) => s.ok), steps };
}

// --- the page -------------------------------------------------------------------------------------------------------

function show(block, outcome) {
  const result = block.querySelector("[data-record-result]");
  const verdict = block.querySelector("[data-record-verdict]");
  const list = block.querySelector("[data-record-steps]");
  list.replaceChildren(
    ...outcome.steps.map((s) => {
      const item = document.createElement("li");
      item.className = "record-proof__step " + (s.ok ? "record-proof__step--ok" : "record-proof__step--bad");
      item.dataset.ok = s.ok ? "true" : "false";
      const head = document.createElement("span");
      head.className = "record-proof__label";
      head.textContent = (s.ok ? "✓ " : "✗ ") + s.label + (s.ok ? "" : "：未通过");
      const detail = document.createElement("span");
      detail.className = "record-proof__detail";
      detail.textContent = s.detail || "";
      item.append(head, detail);
      return item;
    }),
  );
  verdict.textContent = outcome.ok
    ? "核验通过：本页显示的记录与平台签名日志中的记录一致。"
    : "核验未通过：本页显示的记录与签名日志不一致，或证明、签名无效。";
  verdict.className = "record-proof__verdict " + (outcome.ok ? "record-proof__verdict--ok" : "record-proof__verdict--bad");
  result.dataset.outcome = outcome.ok ? "pass" : "fail";
  result.hidden = false;
}

function run(block) {
  let outcome;
  try {
    outcome = verifyBlock(block);
  } catch (error) {
    outcome = { ok: false, steps: [{ label: "读取核验数据", ok: false, detail: String(error && error.message) }] };
  }
  show(block, outcome);
  return outcome;
}

function enable(root) {
  for (const button of root.querySelectorAll("[data-record-proof] [data-record-verify]")) button.hidden = false;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-record-verify]");
  const block = button && button.closest("[data-record-proof]");
  if (block) {
    event.preventDefault();
    run(block);
  }
});
document.addEventListener("htmx:afterSwap", (event) => enable(event.target));
enable(document);
