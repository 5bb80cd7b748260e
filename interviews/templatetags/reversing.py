"""`{% url %}` with the addresses of `interviews.reversing`: Django's tag, the same syntax and
output, its address found once per process. Named among the templates' builtins, after
Django's own, so every template's `{% url %}` is this one."""

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from interviews.reversing import reverse

register = template.Library()


class URLNode(defaulttags.URLNode):
    def render(self, context):
        # Django's `URLNode.render`, calling `interviews.reversing.reverse`.
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
