"""Refusing an upload too large for the import while it arrives, before it
is stored or the whole body is read.

``upload_limits_install(request)`` is called by the import page and the
import API before anything reads the body (the CSRF check reads it too,
which is why both views install it first):

- a body whose ``Content-Length`` is over the cap is refused at once, and
  one without a length (``Transfer-Encoding: chunked``, which Django reads
  as empty under WSGI) is refused as such rather than as "no file";
- ``UploadSizeLimit``, put first among the request's upload handlers,
  counts each file's bytes as they are parsed and stops the parsing as
  soon as a file passes the cap: a ``Content-Length`` is a claim, the
  count is the fact, and the handlers after it (the temporary file) never
  see more than the cap.

Both refusals are ``ApplicationError``: JSON 413/411 in the API, a form
error on the page.
"""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler

from leadcourt.errors import ApplicationError, InvalidInput

MAX_FILE_BYTES = 200 * 1024 * 1024
# What a multipart body holds besides the file: boundaries, part headers and
# the form's small fields (the preset, a mapping of a few columns).
FORM_OVERHEAD_BYTES = 64 * 1024


def _too_large_message(max_bytes: int) -> str:
    return f"The file is larger than {max_bytes / (1024 * 1024):g} MB."


class UploadTooLarge(InvalidInput):
    code = "too_large"
    status = 413

    def __init__(self, max_bytes: int):
        super().__init__({"file": _too_large_message(max_bytes)})


class UploadLengthRequired(ApplicationError):
    code = "length_required"
    status = 411

    def __init__(self):
        super().__init__("Send the file with a Content-Length (a chunked upload is not accepted).")


class UploadSizeLimit(FileUploadHandler):
    """Stops the multipart parsing once a file passes ``max_bytes``."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > self.max_bytes + FORM_OVERHEAD_BYTES:
            raise UploadTooLarge(self.max_bytes)
        return None  # the other handlers parse it

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            # Not StopUpload: Django would answer as if no file had been sent.
            raise UploadTooLarge(self.max_bytes)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the file


def upload_limits_install(request, *, max_bytes: int | None = None) -> None:
    """Refuse a body that announces too much (or nothing), and have the rest
    counted as it is parsed. Call before anything reads ``request.POST``,
    ``request.FILES`` or ``request.data``."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    meta = request.META
    length = meta.get("CONTENT_LENGTH")
    if not length and meta.get("HTTP_TRANSFER_ENCODING"):
        raise UploadLengthRequired
    try:
        announced = int(length or 0)
    except ValueError:
        announced = 0  # Django reads such a body as empty
    if announced > max_bytes + FORM_OVERHEAD_BYTES:
        raise UploadTooLarge(max_bytes)
    request.upload_handlers.insert(0, UploadSizeLimit(request, max_bytes=max_bytes))
