"""Receiving a recording over HTTP straight onto disk, piece by piece, within the limit."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from interviews.recordings import services


class IncomingRecording(UploadedFile):
    """A file received into `services.incoming_dir()`; the view moves or deletes it."""

    def __init__(self, file, name: str, content_type: str, size: int) -> None:
        super().__init__(file, name, content_type, size)
        self.path = Path(file.name)

    def temporary_file_path(self) -> str:
        return str(self.path)

    def discard(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)


class RecordingUploadHandler(FileUploadHandler):
    """Writes each received piece to a file beside the recordings (never the whole file in
    memory) and stops keeping it once the upload passes `PARLEY_MAX_MEDIA_MB`: the rest of
    the request is read and dropped, so the browser gets the page that says why."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.limit = services.max_bytes()
        self.too_large = False
        self.received = 0
        self.files: list[IncomingRecording] = []

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The form's other fields take a few hundred bytes; past the limit plus that, refuse
        # before writing anything.
        if content_length and content_length > self.limit + 64 * 1024:
            self.too_large = True
        return None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        if self.too_large:
            raise StopUpload(connection_reset=False)
        self.file = services.incoming_file()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            self._drop()
            raise StopUpload(connection_reset=False)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int):
        self.file.flush()
        self.file.seek(0)
        incoming = IncomingRecording(self.file, self.file_name, self.content_type, file_size)
        self.files.append(incoming)
        return incoming

    def upload_interrupted(self) -> None:
        self._drop()

    def _drop(self) -> None:
        file = getattr(self, "file", None)
        if file is not None:
            file.close()
            Path(file.name).unlink(missing_ok=True)
            del self.file  # the parser closes `file` of each handler that still has one

    def discard_all(self) -> None:
        """Delete every file received by this request (what the view did not keep)."""
        for incoming in self.files:
            incoming.discard()
        self._drop()


def receives_recording(view):
    """For a view whose form may carry a recording: the upload handler is put in place
    before anything reads the request's body (the CSRF check reads it, so it runs here,
    after), and whatever the view did not keep is deleted when it returns."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        handler = RecordingUploadHandler(request)
        if request.content_type == "multipart/form-data":
            # Only a multipart body carries files; another body may have been read already.
            request.upload_handlers = [handler]
        request.recording_upload = handler
        try:
            return csrf_protect(view)(request, *args, **kwargs)
        finally:
            handler.discard_all()

    return wrapper
