"""The outbox of pushes to other platforms (区级公示平台, 信用平台): receivers, messages, delivery attempts, replays.

``Receiver`` and ``Replay`` are acts of a person and are ledgered. ``Message`` and ``Attempt`` are the delivery's
operational log and are not: a message is a function of a ledger entry that is already recorded (its envelope names
the entry's ``ledger_seq`` and ``leaf_hash``), and its state changes are a machine's retries — ledgering each would add
an entry per retry per receiver. Neither is ever deleted (docs/exchange.md).
"""

from __future__ import annotations

import uuid

from django.db import models

from sanxiang.org.fields import user_fk
from sanxiang.org.models import Agency


class Receiver(models.Model):
    """A platform that receives the pushed enforcement information of one agency (or, without one, of all).

    The HMAC secret is not a column: it lives in a file under the data directory (``secrets.py``); the row keeps its
    SHA-256 fingerprint, so that the ledger records when the secret changed without ever holding it.
    """

    name = models.CharField("名称", max_length=100, unique=True)
    # Not a URLField: its validator refuses intranet host names without a dot (http://gs-platform/push).
    url = models.CharField("接收地址", max_length=500)
    topics = models.JSONField("订阅主题", default=list, help_text="主题名，或以 .* 结尾的前缀，或 * 表示全部")
    agency = models.ForeignKey(
        Agency,
        verbose_name="所属执法主体",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exchange_receivers",
        help_text="只推送该主体的信息；为空时推送全部主体的信息（由系统管理员配置）",
    )
    active = models.BooleanField("启用", default=True)
    secret_fingerprint = models.CharField("密钥指纹（SHA-256）", max_length=64)
    note = models.TextField("备注", blank=True, default="")
    created_at = models.DateTimeField("创建时间")
    changed_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "接收方"
        verbose_name_plural = "接收方"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subscribes(self, topic: str) -> bool:
        return any(subscribed(pattern, topic) for pattern in self.topics)


def subscribed(pattern: str, topic: str) -> bool:
    """``*`` is every topic; ``registry.*`` every topic under ``registry.``; anything else is one topic."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


class MessageState(models.TextChoices):
    PENDING = "pending", "待发送"
    RETRYING = "retrying", "重试中"
    DELIVERED = "delivered", "已送达"


class Message(models.Model):
    """One pushed message to one receiver, written in the transaction of the change it reports.

    ``key`` is the envelope's ``id`` and the ``Idempotency-Key`` of every attempt (the same for each receiver of the
    same change). A receiver's messages go out strictly in ``(ledger_seq, id)`` order: the first undelivered one is
    retried until it is accepted, and the ones after it wait.
    """

    key = models.UUIDField("消息标识（幂等键）", default=uuid.uuid4, editable=False)
    receiver = models.ForeignKey(Receiver, verbose_name="接收方", on_delete=models.PROTECT, related_name="messages")
    topic = models.CharField("主题", max_length=64)
    action = models.CharField("动作", max_length=64)
    ledger_seq = models.BigIntegerField("留痕序号")
    leaf_hash = models.CharField("叶哈希", max_length=64)
    agency = models.ForeignKey(
        Agency, verbose_name="执法主体", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    envelope = models.JSONField("消息内容")
    created_at = models.DateTimeField("生成时间")
    state = models.CharField("状态", max_length=16, choices=MessageState.choices, default=MessageState.PENDING)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间")
    leased_until = models.DateTimeField("发送占用至", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送消息"
        verbose_name_plural = "推送消息"
        constraints = [models.UniqueConstraint(fields=["receiver", "key"], name="exchange_message_key_unique")]
        indexes = [models.Index(fields=["receiver", "state", "ledger_seq"], name="exchange_msg_queue")]

    def __str__(self) -> str:
        return f"{self.receiver} · {self.topic} · {self.key}"


class Attempt(models.Model):
    """One delivery attempt: when, how long, the HTTP status (none when no answer came) and the error."""

    message = models.ForeignKey(Message, verbose_name="消息", on_delete=models.PROTECT, related_name="attempts")
    started_at = models.DateTimeField("发送时间")
    duration_ms = models.PositiveIntegerField("耗时（毫秒）")
    status_code = models.PositiveIntegerField("HTTP 状态码", null=True, blank=True)
    error = models.TextField("错误", blank=True, default="")
    delivered = models.BooleanField("送达", default=False)

    class Meta:
        verbose_name = "发送记录"
        verbose_name_plural = "发送记录"
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id} · {self.started_at} · {self.status_code or self.error[:40]}"


class Replay(models.Model):
    """A person's request to send a delivered message again (the same key): recorded in the ledger."""

    message = models.ForeignKey(Message, verbose_name="消息", on_delete=models.PROTECT, related_name="replays")
    requested_by = user_fk("申请人")
    requested_at = models.DateTimeField("申请时间")
    reason = models.TextField("原因")

    class Meta:
        verbose_name = "重新推送"
        verbose_name_plural = "重新推送"

    def __str__(self) -> str:
        return f"{self.message_id} · {self.requested_at}"
