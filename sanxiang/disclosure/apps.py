from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "sanxiang.disclosure"
    label = "disclosure"
    verbose_name = "事后公开"

    def ready(self) -> None:
        from sanxiang.disclosure import hooks, models, search
        from sanxiang.ledger.registry import register

        register(models.PublicationTask)
        register(models.Publication)
        search.connect()
        hooks.connect()

    def schedule_background(self) -> None:
        """Queue the publication expiry task for the next expiry (``sanxiang serve`` calls this at start)."""
        from sanxiang.disclosure.tasks import schedule_expiry

        schedule_expiry()
