from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "sanxiang.ledger"
    label = "ledger"
    verbose_name = "全过程记录"

    def ready(self) -> None:
        from sanxiang.ledger.models import Blob
        from sanxiang.ledger.registry import register

        register(Blob)
