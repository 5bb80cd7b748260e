"""The profile page: the user's API tokens (made, named, scoped, shown once, revoked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from api.forms import TokenForm
from api.models import ApiToken
from api.tokens import token_create


def profile(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None, user=request.user)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                projects=form.cleaned_data["projects"],
                read_only=form.cleaned_data["read_only"],
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            form = TokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=request.user).prefetch_related("projects")
    return render(
        request,
        "api/profile.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
        status=400 if form.errors else 200,
    )


@require_POST
def token_revoke(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_pk, user=request.user)
    token.revoke()
    messages.success(request, f"The token “{token.name}” is revoked; it no longer works.")
    return redirect("api:profile")


@login_not_required
def api_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """An address under /api/ that names nothing answers in the API's own shape."""
    return JsonResponse(
        {"error": "There is no such address in the API (see /api/v1/docs)."}, status=404
    )
