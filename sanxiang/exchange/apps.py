from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "sanxiang.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self) -> None:
        from sanxiang.exchange import models, outbox, registry_topics
        from sanxiang.ledger.registry import register, register_record_listener

        register(models.Receiver)
        register(models.Replay)
        register_record_listener(outbox.on_recorded)
        registry_topics.connect()
