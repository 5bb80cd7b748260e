"""Write out the sentence pipelines' tokenizer rules from the installed spaCy.

`interviews.tokenizing` tokenizes with them, so that the web processes make a source
codable without loading spaCy. Run it after upgrading spaCy; the tests say when the stored
rules differ from the installed spaCy's.
"""

import gzip
import json

from django.core.management.base import BaseCommand

from interviews import nlp, tokenizing


def stored_form(data: dict) -> bytes:
    """The rules as stored: JSON with sorted keys, compressed without a time stamp."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=0)
    return gzip.compress(text.encode("utf-8"), mtime=0)


class Command(BaseCommand):
    help = "Write out the sentence pipelines' tokenizer rules from the installed spaCy."

    def add_arguments(self, parser):
        parser.add_argument("languages", nargs="*", help="language codes (all by default)")

    def handle(self, *args, languages, **options):
        tokenizing.RULES_DIR.mkdir(exist_ok=True)
        for language in languages or [*nlp.LANGUAGES, tokenizing.FALLBACK]:
            path = tokenizing.rules_path(language)
            path.write_bytes(stored_form(nlp.tokenizer_rules(language)))
            self.stdout.write(f"{language}: {path} ({path.stat().st_size:,} bytes)")
