"""The codebook page: the editor, codebook files and templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from coding import codebook_files
from coding import codebook_services as svc
from coding.codebook_services import codebook_apply_template
from coding.codebook_templates import TEMPLATES
from coding.forms import CodeForm
from coding.models import Change, Code
from interviews.access import Access, Perm, project_access
from interviews.params import parse_id
from interviews.spreadsheet import CONTENT_TYPE as XLSX_CONTENT_TYPE
from interviews.visibility import coding_filter


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _number(value: str) -> int:
    return parse_id(value) or 0


def _code(access: Access, code_pk: int) -> Code:
    return get_object_or_404(Code, pk=code_pk, project=access.project)


def _other_code(access: Access, value: str | None, label: str) -> Code | None:
    """A code of this project named by a form field; ValidationError for anything else."""
    if not value:
        return None
    try:
        code = Code.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        code = None
    if code is None or code.project_id != access.project.pk:
        raise ValidationError(f"Choose the {label} from this project's codebook.")
    return code


def codebook(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    own = coding_filter(access, "codings__") or None
    codes = (
        Code.objects.filter(project=access.project)
        .annotate(coding_count=Count("codings", filter=own))
        .tree_order()
    )
    form = CodeForm(initial={"colour": "#1e88e5", "is_codable": True})
    return render(
        request,
        "coding/codebook.html",
        {
            "access": access,
            "project": access.project,
            "codes": codes,
            "form": form,
            "templates": [(key, label) for key, (label, _nodes) in TEMPLATES.items()],
            "can_edit": access.can(Perm.MANAGE_CODEBOOK),
        },
    )


@require_POST
def code_create(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    form = CodeForm(request.POST)
    try:
        parent = _other_code(access, request.POST.get("parent"), "parent code")
        if not form.is_valid():
            raise ValidationError([f"{k}: {' '.join(v)}" for k, v in form.errors.items()])
        code = svc.code_create(
            project=access.project, user=request.user, parent=parent, **form.cleaned_data
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Code “{code.full_path}” created.")
    return redirect("coding:codebook", pk)


def code_detail(request: HttpRequest, pk: int, code_pk: int) -> HttpResponse:
    """One code: edit, move, merge, delete, and its history."""
    access = project_access(
        request, pk, Perm.MANAGE_CODEBOOK if request.method == "POST" else Perm.VIEW
    )
    code = _code(access, code_pk)
    can_edit = access.can(Perm.MANAGE_CODEBOOK)
    form = CodeForm(request.POST or None, instance=code)
    if request.method == "POST":
        if form.is_valid():
            try:
                svc.code_update(
                    code=Code.objects.get(pk=code.pk), user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                messages.error(request, _error_text(error))
            else:
                messages.success(request, "Code saved.")
                return redirect("coding:code_detail", pk, code_pk)
        code = _code(access, code_pk)
    codes = Code.objects.filter(project=access.project).tree_order()
    below = code.descendant_ids() | {code.pk}
    changes = Change.objects.filter(project=access.project, object_guid=code.guid).select_related(
        "user"
    )
    return render(
        request,
        "coding/code_detail.html",
        {
            "access": access,
            "project": access.project,
            "code": code,
            "form": form,
            "can_edit": can_edit,
            "parents": [c for c in codes if c.pk not in below],
            "merge_targets": [c for c in codes if c.pk not in below],
            "changes": changes[:100],
            "coding_count": code.codings.count(),
        },
    )


@require_POST
def code_move(request: HttpRequest, pk: int, code_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    code = _code(access, code_pk)
    try:
        if "direction" in request.POST:
            svc.code_reorder(code=code, user=request.user, direction=request.POST["direction"])
            return redirect("coding:codebook", pk)
        parent = _other_code(access, request.POST.get("parent"), "new parent")
        code = svc.code_move(code=code, user=request.user, parent=parent)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Moved to “{code.full_path}”.")
    return redirect("coding:code_detail", pk, code_pk)


@require_POST
def code_merge(request: HttpRequest, pk: int, code_pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    code = _code(access, code_pk)
    try:
        into = _other_code(access, request.POST.get("into"), "code to merge into")
        if into is None:
            raise ValidationError("Choose the code to merge into.")
        report = svc.code_merge(code=code, into=into, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("coding:code_detail", pk, code_pk)
    messages.success(request, report.message)
    return redirect("coding:code_detail", pk, into.pk)


def code_delete(request: HttpRequest, pk: int, code_pk: int) -> HttpResponse:
    """Show what deleting a code affects; delete it only with an explicit choice."""
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    code = _code(access, code_pk)
    if request.method == "POST":
        try:
            message = svc.code_delete(
                code=code, user=request.user, codings=request.POST.get("codings", "")
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, message)
            return redirect("coding:codebook", pk)
    return render(
        request,
        "coding/code_delete.html",
        {
            "access": access,
            "project": access.project,
            "code": code,
            "impact": svc.code_delete_impact(code),
            "choices": svc.DELETE_CHOICES,
        },
    )


@require_POST
def codebook_template(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    try:
        created = codebook_apply_template(
            project=access.project, template=request.POST.get("template", ""), user=request.user
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, f"Template applied: {len(created)} codes added.")
    return redirect("coding:codebook", pk)


def codebook_export(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk)
    fmt = request.GET.get("format", "csv")
    name = f"codebook-{access.project.pk}"
    if fmt == "xlsx":
        response = HttpResponse(
            codebook_files.codebook_xlsx(access.project),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(
        codebook_files.codebook_csv(access.project), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_POST
def codebook_import(request: HttpRequest, pk: int) -> HttpResponse:
    access = project_access(request, pk, Perm.MANAGE_CODEBOOK)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose a codebook file (.csv or .xlsx) to import.")
        return redirect("coding:codebook", pk)
    if upload.size > codebook_files.MAX_CODEBOOK_BYTES:
        messages.error(request, "The codebook file is larger than 2 MB.")
        return redirect("coding:codebook", pk)
    try:
        report = codebook_files.codebook_import(
            project=access.project, user=request.user, filename=upload.name, data=upload.read()
        )
    except ValidationError as error:
        messages.error(request, "Nothing was imported. " + _error_text(error))
    else:
        messages.success(request, report.message)
    return redirect("coding:codebook", pk)
