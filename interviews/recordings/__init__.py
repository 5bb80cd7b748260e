"""Recordings beside their transcripts: the audio or video file of a source, the sync points
that tie its text to the recording's time, and how the bytes are served.

`sniff` (what a file is, from its first bytes) and `sync` (time at a position of the text)
are pure; `services` stores and deletes; `serving` answers range requests.
"""
