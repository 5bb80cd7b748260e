"""The static files' storage in production: WhiteNoise's compressed, hashed files."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, each file's URL worked out once per process.

    A page names a dozen static files (`{% static %}`), and each URL is looked up in the
    manifest, cleaned and quoted anew; the manifest is read when the process starts and
    does not change while it runs, so a file's URL does not either.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
