"""Django's JSON serialisation with times to the microsecond, for backups.

Django's own JSON format (`dumpdata`) cuts times to the millisecond, so a restored instance
would not hold the same rows: two events a few microseconds apart could even swap places.
This format writes every datetime and time whole; Django's `json` deserialiser reads it
back as it is (registered as `json-exact` in `SERIALIZATION_MODULES`).
"""

from __future__ import annotations

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class ExactEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder


Deserializer = django_json.Deserializer
