"""The tamper-evident log (RFC 9162 Merkle tree) and the write-once evidence store.

Every table here is append-only: on PostgreSQL triggers reject UPDATE and DELETE on entries, nodes, checkpoints and
blobs (migration 0002); on every database ``sanxiang ledger verify`` recomputes the tree and checks it against the
signed checkpoints. Uploads are the one mutable table: an upload in progress is not evidence.
"""

from __future__ import annotations

import uuid

from django.db import models


class Entry(models.Model):
    """One leaf of the log: who did what to which subject, and the digest of the subject's state afterwards.

    The leaf is the RFC 8785 canonical JSON of ``{v, seq, time, actor, action, subject, digest, blob?}`` (see
    ``sanxiang.ledger.leaves``); ``leaf_hash`` is its RFC 9162 leaf hash. ``state`` keeps the canonical state whose
    SHA-256 is ``digest`` (for history and diffs), and ``note`` a human reason; neither is part of the leaf, but the
    verifier checks ``state`` against ``digest``.
    """

    seq = models.BigIntegerField(primary_key=True, help_text="Leaf index in the log, from 0")
    v = models.PositiveSmallIntegerField(default=1)
    time = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="User id; empty for the system itself")
    action = models.CharField(max_length=100)
    subject_type = models.CharField(max_length=100)
    subject_id = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the subject's canonical state after the change")
    blob = models.JSONField(null=True, blank=True, help_text="{sha256, sm3, size} of a file this entry concerns")
    leaf_hash = models.CharField(max_length=64, unique=True, help_text="RFC 9162 leaf hash, hex")
    state = models.JSONField(help_text="The subject's canonical state after the change")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"], name="ledger_entry_subject")]
        verbose_name = "记录"
        verbose_name_plural = "记录"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.subject}"

    @property
    def subject(self) -> str:
        return f"{self.subject_type}:{self.subject_id}"


class Node(models.Model):
    """The hash of a perfect subtree: leaves ``[index·2^level, (index+1)·2^level)``; level 0 holds leaf hashes.

    Only complete subtrees are stored (about two rows a leaf), so any root and any proof needs O(log n) rows.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="ledger_node_position")]
        verbose_name = "树节点"
        verbose_name_plural = "树节点"

    def __str__(self) -> str:
        return f"({self.level}, {self.index})"


class Checkpoint(models.Model):
    """A signed statement of the log's size and root: a C2SP tlog-checkpoint in a C2SP signed note (Ed25519)."""

    size = models.BigIntegerField(db_index=True)
    root = models.CharField(max_length=64, help_text="Root hash, hex")
    origin = models.CharField(max_length=200)
    key_id = models.CharField(max_length=8, help_text="Signed-note key id, hex")
    note = models.TextField(help_text="The whole signed note: checkpoint body, blank line, signature lines")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["size", "id"]
        verbose_name = "签名检查点"
        verbose_name_plural = "签名检查点"

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class Blob(models.Model):
    """A stored file, content-addressed by its SHA-256 and written once; SM3 for commercial-cryptography audits."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    sm3 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    storage_name = models.CharField(max_length=300)
    content_type = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "证据文件"
        verbose_name_plural = "证据文件"

    def __str__(self) -> str:
        return self.sha256


class UploadState(models.TextChoices):
    OPEN = "open", "上传中"
    COMPLETE = "complete", "已完成"
    REJECTED = "rejected", "校验失败"
    EXPIRED = "expired", "已过期"


class Upload(models.Model):
    """A resumable chunked upload in progress. It becomes a ``Blob`` only when complete and matching its hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor_id = models.BigIntegerField()
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    declared_sha256 = models.CharField(max_length=64)
    declared_size = models.BigIntegerField()
    received = models.BigIntegerField(default=0, help_text="Bytes confirmed stored so far")
    state = models.CharField(max_length=16, choices=UploadState.choices, default=UploadState.OPEN)
    partial_name = models.CharField(max_length=300, help_text="Where the partial file lives until it is complete")
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "上传"
        verbose_name_plural = "上传"

    def __str__(self) -> str:
        return f"{self.filename} ({self.received}/{self.declared_size})"
