from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from interviews.models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def create_profile(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every user has a profile (and so a guid) from birth."""
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
