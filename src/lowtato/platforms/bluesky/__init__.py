"""Bluesky (AT Protocol): app-password sessions on any PDS, posts as repo records
(docs/reference/platforms.md §8). ``adapter`` is what ``platforms.live`` lists."""
