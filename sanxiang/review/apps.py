from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "sanxiang.review"
    label = "review"
    verbose_name = "法制审核"

    def ready(self) -> None:
        from sanxiang.cases.gates import register_gate
        from sanxiang.cases.panels import register_case_panel
        from sanxiang.cases.workflow import register_proposal_hook
        from sanxiang.ledger.registry import register
        from sanxiang.review import gates, models, services
        from sanxiang.review.panels import legal_review_panel

        for model in (
            models.MajorDecisionRule,
            models.MajorAssessment,
            models.LegalReview,
            models.ReviewerQualification,
            models.ReviewerTraining,
            models.ReviewerRecord,
            models.CollectiveDiscussion,
        ):
            register(model)
        register_gate("legal_review_passed", gates.legal_review_passed)
        register_gate("collective_discussion_required", gates.collective_discussion_required)
        register_gate("collective_discussion_held", gates.collective_discussion_held)
        register_proposal_hook(services.assessment_record)
        register_case_panel("legal_review", legal_review_panel)
