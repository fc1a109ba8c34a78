"""Probing media files (images, audio): is the file readable, and what are its size, rate and format.

Probes never load media into rows; they open the file, check it decodes, and report its properties.
A file that fails raises `MediaError` with a reason the source turns into a reject row.
"""


class MediaError(Exception):
    """One media file cannot be used; the message is the reason shown in rejects.jsonl."""
