from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from interviews.models import Interviewee, Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every user has a profile (and so a guid) from birth."""
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(post_delete, sender=Interviewee)
def delete_consent_form(sender, instance: Interviewee, **kwargs) -> None:
    """A consent form goes with its interviewee, however the interviewee is deleted (erased,
    or with the whole project), once the deletion is committed."""
    if instance.consent_form:
        storage, name = instance.consent_form.storage, instance.consent_form.name
        transaction.on_commit(lambda: storage.delete(name))
