"""TikTok through the Content Posting API (docs/reference/platforms.md §5).

``client`` makes the HTTP calls and maps TikTok's ``{"error": {"code"}}`` answers to the
platform taxonomy, ``upload`` cuts a video into TikTok's chunks and sends them, ``adapter``
turns a Lowtato post into creator-info query → init → upload → status polling.
"""
