from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "sanxiang.org"
    label = "org"
    verbose_name = "组织与人员"

    def ready(self) -> None:
        from sanxiang.core.models import CalendarDay, CalendarYear
        from sanxiang.ledger.registry import register
        from sanxiang.org.models import Agency, Department, RoleAssignment, User

        # A login changes last_login without being a change of the record; a password hash never enters the log.
        register(User, exclude=("password", "last_login"))
        register(Agency)
        register(Department)
        register(RoleAssignment)
        # The working-day calendar lives in core, which may not import the ledger; org sits above both.
        register(CalendarYear)
        register(CalendarDay)
