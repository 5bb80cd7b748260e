"""Memos on the project, a source, a code, an interviewee or a coding."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from coding.models import Code, Coding, Memo
from interviews.models import ConsentStatus, Interviewee, Source

MEMO_KINDS: dict[str, dict] = {
    "project": {
        "source__isnull": True,
        "code__isnull": True,
        "interviewee__isnull": True,
        "coding__isnull": True,
    },
    "source": {"source__isnull": False},
    "code": {"code__isnull": False},
    "interviewee": {"interviewee__isnull": False},
    "coding": {"coding__isnull": False},
}
_TARGET_MODELS = {"source": Source, "code": Code, "interviewee": Interviewee, "coding": Coding}


def memos_visible(access) -> QuerySet[Memo]:
    """The project's memos a member may read (`Memo.objects.visible_to`), with what their
    list shows."""
    return Memo.objects.visible_to(access).select_related(
        "author", "source", "code", "interviewee", "coding__source", "coding__code"
    )


def memo_target(access, kind: str, target_id) -> object:
    """The object a new memo is attached to, checked to be in the member's project."""
    if kind == "project":
        return access.project
    model = _TARGET_MODELS.get(kind)
    if model is None:
        raise ValidationError(
            "Attach the memo to the project, a source, a code, an interviewee or a coding."
        )
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise ValidationError(f"Choose the {kind} the memo is about.") from None
    scope = {"source__project": access.project} if model is Coding else {"project": access.project}
    target = model.objects.filter(pk=pk, **scope).first()
    if target is None:
        raise ValidationError(f"There is no such {kind} in this project.")
    if model is Coding and not Coding.objects.filter(pk=pk).visible_to(access).exists():
        raise ValidationError("There is no such coding in this project.")
    # A memo there would be left out of every list at once, as the person's words are.
    withdrawn = kind == "interviewee" and target.consent_status == ConsentStatus.WITHDRAWN
    if kind in ("source", "coding"):
        source_id = pk if kind == "source" else target.source_id
        withdrawn = source_withdrawn(source_id)
    if withdrawn:
        raise ValidationError(withdrawn_refusal(kind))
    return target


def withdrawn_refusal(kind: str) -> str:
    """Why no memo is written about an interviewee who withdrew consent, their source or a
    coding in it (`kind`): every path that writes a memo refuses with these words."""
    about = "This interviewee" if kind == "interviewee" else f"An interviewee of this {kind}"
    return (
        f"{about} withdrew consent: no memo is written about their words until an admin "
        "changes that."
    )


def source_withdrawn(source_id: int) -> bool:
    """Whether an interviewee who withdrew consent speaks in the source."""
    return Source.objects.withdrawn().filter(pk=source_id).exists()


@transaction.atomic
def memo_create(*, access, target, text: str, title: str = "") -> Memo:
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write the memo's text.")
    memo = Memo(project=access.project, author=access.user, title=title.strip(), text=text)
    kind = target._meta.model_name
    if kind in _TARGET_MODELS:
        setattr(memo, kind, target)
    memo.full_clean()
    memo.save()
    return memo


@transaction.atomic
def memo_update(*, memo: Memo, text: str, title: str = "") -> Memo:
    memo.text = text.strip()
    memo.title = title.strip()
    memo.full_clean()
    memo.save()
    return memo


@transaction.atomic
def memo_delete(*, memo: Memo) -> None:
    memo.delete()


def memo_target_label(memo: Memo) -> str:
    """What a memo is about, in words (interviewees by pseudonym only)."""
    kind = memo.target_kind
    if kind == "source":
        return memo.source.title
    if kind == "code":
        return memo.code.full_path
    if kind == "interviewee":
        return memo.interviewee.pseudonym
    if kind == "coding":
        coding = memo.coding
        quote = coding.source.text[coding.start : coding.end]
        if len(quote) > 80:
            quote = quote[:79] + "…"
        return f"{coding.code.full_path} in {coding.source.title}: “{quote}”"
    return "Project"


def memo_table(memos) -> tuple[list[str], list[list]]:
    header = ["kind", "about", "title", "text", "author", "created", "modified"]
    rows = [
        [
            m.target_kind,
            memo_target_label(m),
            m.title,
            m.text,
            m.author.username if m.author_id else "",
            m.created_at.isoformat(timespec="seconds"),
            m.modified_at.isoformat(timespec="seconds"),
        ]
        for m in memos
    ]
    return header, rows
