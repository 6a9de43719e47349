// Evidence uploads with progress (docs/evidence.md): hash the file in the browser, declare it, send it in chunks,
// resume from the server's confirmed offset after a failure, complete, and put the verified SHA-256 into the form.
// No inline code (CSP: script-src 'self'). Markup: an element with [data-uploader] holding a file input
// [data-uploader-file], a button [data-uploader-start], a <progress data-uploader-progress> and a status element
// [data-uploader-status]; data-uploads-url names the API's uploads/ URL, data-target the id of the input to fill.
(function () {
  "use strict";

  var CHUNK = 8 * 1024 * 1024; // bytes per PUT: small enough to retry cheaply over a weak mobile link
  var SUBTLE_LIMIT = 256 * 1024 * 1024; // crypto.subtle hashes a whole buffer: beyond this, stream instead
  var RETRIES = 5;

  // --- SHA-256 (FIPS 180-4), incremental: for big files, and for pages served over plain http, where browsers
  // do not offer crypto.subtle. About 100 MB/s in current engines.
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);

  function Sha256() {
    this.h = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
    ]);
    this.w = new Uint32Array(64);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0; // bytes hashed so far
  }

  Sha256.prototype.block = function (bytes, at) {
    var w = this.w, h = this.h, i, t1, t2;
    for (i = 0; i < 16; i++) {
      w[i] = (bytes[at + 4 * i] << 24) | (bytes[at + 4 * i + 1] << 16) | (bytes[at + 4 * i + 2] << 8) | bytes[at + 4 * i + 3];
    }
    for (i = 16; i < 64; i++) {
      var a = w[i - 15], b = w[i - 2];
      var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], H = h[7];
    for (i = 0; i < 64; i++) {
      t1 = (H + (((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7))) +
        ((E & F) ^ (~E & G)) + K[i] + w[i]) | 0;
      t2 = ((((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10))) +
        ((A & B) ^ (A & C) ^ (B & C))) | 0;
      H = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
    }
    h[0] += A; h[1] += B; h[2] += C; h[3] += D; h[4] += E; h[5] += F; h[6] += G; h[7] += H;
  };

  Sha256.prototype.update = function (bytes) {
    var i = 0, n = bytes.length;
    this.length += n;
    if (this.buffered) {
      while (i < n && this.buffered < 64) this.buffer[this.buffered++] = bytes[i++];
      if (this.buffered < 64) return;
      this.block(this.buffer, 0);
      this.buffered = 0;
    }
    for (; i + 64 <= n; i += 64) this.block(bytes, i);
    while (i < n) this.buffer[this.buffered++] = bytes[i++];
  };

  Sha256.prototype.hex = function () {
    var bits = this.length * 8;
    var pad = new Uint8Array(((this.buffered < 56 ? 56 : 120) - this.buffered) + 8);
    pad[0] = 0x80;
    var hi = Math.floor(bits / 0x100000000), lo = bits >>> 0, end = pad.length;
    pad[end - 8] = hi >>> 24; pad[end - 7] = hi >>> 16; pad[end - 6] = hi >>> 8; pad[end - 5] = hi;
    pad[end - 4] = lo >>> 24; pad[end - 3] = lo >>> 16; pad[end - 2] = lo >>> 8; pad[end - 1] = lo;
    this.update(pad);
    var out = "";
    for (var i = 0; i < 8; i++) out += ("00000000" + (this.h[i] >>> 0).toString(16)).slice(-8);
    return out;
  };

  function toHex(buffer) {
    var bytes = new Uint8Array(buffer), out = "";
    for (var i = 0; i < bytes.length; i++) out += ("0" + bytes[i].toString(16)).slice(-2);
    return out;
  }

  function readSlice(file, start, end) {
    var slice = file.slice(start, end);
    if (slice.arrayBuffer) return slice.arrayBuffer();
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsArrayBuffer(slice);
    });
  }

  async function sha256File(file, onProgress) {
    if (window.crypto && window.crypto.subtle && file.size <= SUBTLE_LIMIT) {
      var digest = await window.crypto.subtle.digest("SHA-256", await readSlice(file, 0, file.size));
      onProgress(1);
      return toHex(digest);
    }
    var hash = new Sha256();
    for (var at = 0; at < file.size; at += CHUNK) {
      hash.update(new Uint8Array(await readSlice(file, at, Math.min(at + CHUNK, file.size))));
      onProgress(Math.min(at + CHUNK, file.size) / file.size);
    }
    return hash.hex();
  }

  // --- the HTTP conversation --------------------------------------------------------------------------------------

  function csrfToken(root) {
    var form = root.closest("form") || document;
    var input = form.querySelector("input[name=csrfmiddlewaretoken]") || document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function call(root, method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrfToken(root), "Accept": "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    var response = await fetch(url, { method: method, headers: headers, body: body, credentials: "same-origin" });
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, ok: response.ok, data: data };
  }

  function detail(result) {
    var d = result.data || {};
    if (d.detail) return typeof d.detail === "string" ? d.detail : JSON.stringify(d.detail);
    if (d.errors) return Object.keys(d.errors).map(function (k) { return [].concat(d.errors[k]).join(""); }).join("；");
    return "服务器返回 " + result.status;
  }

  function storageKey(sha, size) { return "sanxiang-upload:" + sha + ":" + size; }

  async function begin(root, file, sha) {
    var key = storageKey(sha, file.size);
    var known = window.sessionStorage ? sessionStorage.getItem(key) : null;
    if (known) {
      // The same file was being sent before (a failure, a reload): ask where the server got to.
      var status = await call(root, "GET", known);
      if (status.ok && status.data && (status.data.state === "open" || status.data.state === "complete")) return status.data;
    }
    var result = await call(root, "POST", root.dataset.uploadsUrl, JSON.stringify({
      filename: file.name, content_type: file.type || "application/octet-stream", size: file.size, sha256: sha
    }), "application/json");
    if (!result.ok) throw new Error(detail(result));
    if (window.sessionStorage) sessionStorage.setItem(key, result.data.upload_url);
    return result.data;
  }

  async function confirmedOffset(root, upload) {
    var result = await call(root, "GET", upload.upload_url);
    if (!result.ok) throw new Error(detail(result));
    return result.data.offset;
  }

  async function send(root, file, upload, onProgress) {
    var offset = upload.offset, failures = 0;
    onProgress(offset);
    while (offset < file.size) {
      var end = Math.min(offset + CHUNK, file.size);
      var result;
      try {
        result = await call(root, "PUT", upload.upload_url + "?offset=" + offset, file.slice(offset, end), "application/octet-stream");
      } catch (networkError) {
        result = null;
      }
      if (result && result.ok) {
        offset = result.data.offset;
        failures = 0;
      } else if (result && (result.status === 409 || result.status === 400) && result.data && typeof result.data.offset === "number") {
        offset = result.data.offset; // the server says where to go on from
        failures += 1;
      } else {
        failures += 1;
        if (failures > RETRIES) throw new Error(result ? detail(result) : "网络中断，请稍后点“上传”继续（已上传的部分会保留）。");
        offset = await confirmedOffset(root, upload).catch(function () { return offset; });
      }
      if (failures > RETRIES) throw new Error("多次重试仍未成功，请稍后点“上传”继续（已上传的部分会保留）。");
      onProgress(offset);
    }
    var done = await call(root, "POST", upload.upload_url + "complete/");
    if (!done.ok) throw new Error(detail(done));
    return done.data;
  }

  // --- the widget ---------------------------------------------------------------------------------------------------

  function start(root) {
    var input = root.querySelector("[data-uploader-file]");
    var bar = root.querySelector("[data-uploader-progress]");
    var say = root.querySelector("[data-uploader-status]");
    var button = root.querySelector("[data-uploader-start]");
    var target = document.getElementById(root.dataset.target);
    var file = input && input.files && input.files[0];
    if (!file) { say.textContent = "请先选择文件。"; return; }
    if (file.size === 0) { say.textContent = "文件为空。"; return; }
    button.disabled = true;
    bar.hidden = false;
    bar.max = 100;
    bar.value = 0;
    root.dataset.state = "hashing";
    say.textContent = "正在计算文件校验值（SHA-256）…";
    (async function () {
      var sha = await sha256File(file, function (share) { bar.value = Math.round(share * 10); });
      root.dataset.state = "uploading";
      say.textContent = "正在上传…";
      var upload = await begin(root, file, sha);
      var blob = upload.blob || await send(root, file, upload, function (offset) {
        bar.value = 10 + Math.round((offset / file.size) * 90);
        say.textContent = "正在上传：" + Math.round((offset / file.size) * 100) + "%（" + offset + " / " + file.size + " 字节）";
      });
      if (blob.sha256 !== sha) throw new Error("服务器校验值与本地不一致。");
      if (window.sessionStorage) sessionStorage.removeItem(storageKey(sha, file.size));
      bar.value = 100;
      if (target) target.value = blob.sha256;
      root.dataset.state = "done";
      say.textContent = "上传完成，已校验：SHA-256 " + blob.sha256;
    })().catch(function (error) {
      root.dataset.state = "failed";
      say.textContent = "上传未完成：" + error.message;
    }).finally(function () {
      button.disabled = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-uploader-start]");
    if (!button) return;
    event.preventDefault();
    start(button.closest("[data-uploader]"));
  });

  // Exposed for tests of the hash against known vectors.
  window.SanxiangSha256 = function (bytes) { var h = new Sha256(); h.update(bytes); return h.hex(); };
})();
