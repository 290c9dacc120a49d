"""Keep a State content page's `state` in step when the page is moved."""

from wagtail.signals import post_page_move


def follow_moved_page(sender, instance, parent_page_after, **kwargs):
    from practices.models import StatePage
    from practices.models.base import StateContentPage

    model = instance.specific_class
    if model is None or not issubclass(model, StateContentPage):
        return
    state_id = (
        StatePage.objects.filter(pk=parent_page_after.pk)
        .values_list("state_id", flat=True)
        .first()
    )
    model.objects.filter(pk=instance.pk).update(state_id=state_id)


def connect_signals() -> None:
    post_page_move.connect(follow_moved_page, dispatch_uid="practices-follow-move")
