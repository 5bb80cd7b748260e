"""Memos: one page listing every memo of a project, with filters and export; writing memos."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from coding.forms import MemoForm
from coding.memos import (
    MEMO_KINDS,
    memo_create,
    memo_delete,
    memo_table,
    memo_target,
    memo_update,
    memos_visible,
)
from coding.models import Code, Memo
from coding.retrieval import table_csv, table_xlsx
from interviews.access import Access, Perm, project_access
from interviews.models import Interviewee, Source
from interviews.params import parse_id
from interviews.spreadsheet import CONTENT_TYPE as XLSX_CONTENT_TYPE


def _memo(access: Access, memo_pk: int) -> Memo:
    memo = get_object_or_404(memos_visible(access), pk=memo_pk)
    return memo


def _may_change(access: Access, memo: Memo) -> bool:
    return access.can(Perm.CODE) and (
        memo.author_id == access.user.pk or access.can(Perm.MANAGE_MEMBERS)
    )


def memo_list(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    project = access.project
    memos = memos_visible(access)
    kind = request.GET.get("kind", "")
    if kind in MEMO_KINDS:
        memos = memos.filter(**MEMO_KINDS[kind])
    for name in ("code", "source", "interviewee", "author"):
        value = parse_id(request.GET.get(name, ""))
        if value is not None:
            if name == "code":
                memos = memos.filter(code_id=value) | memos.filter(coding__code_id=value)
            elif name == "source":
                memos = memos.filter(source_id=value) | memos.filter(coding__source_id=value)
            else:
                memos = memos.filter(**{f"{name}_id": value})
    text = request.GET.get("q", "").replace("\x00", "").strip()
    if text:
        memos = memos.filter(text__icontains=text) | memos.filter(title__icontains=text)
    memos = memos.distinct().order_by("-modified_at", "-pk")
    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        header, rows = memo_table(memos)
        content = table_csv(header, rows) if fmt == "csv" else table_xlsx(header, rows, "Memos")
        response = HttpResponse(
            content,
            content_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="memos-{project.pk}.{fmt}"'
        return response
    page = Paginator(memos, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "coding/memo_list.html",
        {
            "access": access,
            "project": project,
            "page": page,
            "rows": [(m, _may_change(access, m)) for m in page],
            "kinds": list(MEMO_KINDS),
            "codes": Code.objects.filter(project=project).tree_order(),
            "sources": Source.objects.filter(project=project).only("pk", "title"),
            "interviewees": Interviewee.objects.filter(project=project).only("pk", "pseudonym"),
            "authors": project.memberships.select_related("user"),
            "query_string": params.urlencode(),
            "form": MemoForm(),
        },
    )


@require_POST
def memo_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.CODE)
    form = MemoForm(request.POST)
    back = request.POST.get("next", "")
    try:
        kind = request.POST.get("target_kind", "project")
        target_id = request.POST.get("target_id") or ""
        if ":" in target_id:
            # "source:12" from the memo page, where one list holds every kind of target.
            chosen, target_id = target_id.split(":", 1)
            if chosen != kind:
                about = "the project" if kind == "project" else f"a {kind}"
                raise ValidationError(
                    f"“Which” names a {chosen}, but “About” says {about}; choose them to match."
                )
        target = memo_target(access, kind, target_id)
        if not form.is_valid():
            if "text" in form.errors:
                raise ValidationError("Write the memo's text.")
            raise ValidationError(
                [
                    f"{form.fields[name].label}: {error}" if name in form.fields else error
                    for name, errors in form.errors.items()
                    for error in errors
                ]
            )
        memo_create(access=access, target=target, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Memo saved.")
    # Only a page of this site: "/\\host" and "//host" lead browsers elsewhere.
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("coding:memo_list", pk)


def memo_edit(request: HttpRequest, pk: int, memo_pk: int) -> HttpResponse:
    access = project_access(request, pk)
    memo = _memo(access, memo_pk)
    if not _may_change(access, memo):
        raise PermissionDenied("Only the memo's author can change it.")
    form = MemoForm(request.POST or None, instance=memo)
    if request.method == "POST" and form.is_valid():
        memo_update(memo=memo, **form.cleaned_data)
        messages.success(request, "Memo saved.")
        return redirect("coding:memo_list", pk)
    return render(
        request,
        "coding/memo_form.html",
        {"access": access, "project": access.project, "memo": memo, "form": form},
    )


@require_POST
def memo_remove(request: HttpRequest, pk: int, memo_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.CODE)
    memo = _memo(access, memo_pk)
    if not _may_change(access, memo):
        raise PermissionDenied("Only the memo's author can delete it.")
    memo_delete(memo=memo)
    messages.success(request, "Memo deleted.")
    return redirect("coding:memo_list", pk)
