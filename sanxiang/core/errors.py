"""Errors raised by services. Messages are Chinese: they are shown to the people who made the input."""

from __future__ import annotations


class SanxiangError(Exception):
    """Base of every error a service raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(SanxiangError):
    """The actor may not do this (views answer 403, or 404 where existence must not leak)."""

    def __init__(self, message: str = "您没有执行此操作的权限。") -> None:
        super().__init__(message)


class NotFound(SanxiangError):
    """Missing, or not visible to this actor: the two are answered alike."""

    def __init__(self, message: str = "未找到该记录。") -> None:
        super().__init__(message)


class ValidationError(SanxiangError):
    """Bad input. ``errors`` maps a field (or ``"__all__"``) to its Chinese messages."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        if isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors = errors
        super().__init__("；".join(f"{msg}" for msgs in errors.values() for msg in msgs))


class InvalidTransition(SanxiangError):
    """A state change that the current state does not allow."""


def full_clean_or_raise(instance: object) -> None:
    """Run Django's model validation and raise ours, keeping Django's (translated) messages per field."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        instance.full_clean()  # type: ignore[attr-defined]
    except DjangoValidationError as exc:
        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
        raise ValidationError(errors) from exc
