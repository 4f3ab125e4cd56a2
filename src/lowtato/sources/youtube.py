"""A YouTube video's transcript (youtube-transcript-api) and title (YouTube's oEmbed).

youtube-transcript-api is synchronous (requests) and hard-codes ``https://www.youtube.com``;
it runs in a thread under a deadline, over a ``requests.Session`` whose adapter for that
origin sends every request to ``base_url`` instead (``LOWTATO_SOURCES_YOUTUBE_URL``; the
tests point it at a loopback fake of the pages the library reads) with a per-request
timeout. The hosts are YouTube's own, not user-supplied, so they do not need the guarded
client; the user's URL only yields the video id.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import requests
    from youtube_transcript_api import CouldNotRetrieveTranscript, Transcript

from lowtato.sources.documents import Extracted
from lowtato.sources.failures import ExtractionFailed, TryAgain
from lowtato.sources.fetch import MB, FetchPolicy, fetch

YOUTUBE_ORIGIN: Final = "https://www.youtube.com"
PREFERRED_LANGUAGES: Final = ("en",)

NO_TRANSCRIPT: Final = (
    "the video has no transcript (its captions are turned off or none exist); choose a video "
    "with captions, or send what it says as sourceType 'text'"
)


# requests and the transcript API (with their dependencies) are imported in the functions
# that use them: a server that never extracts a YouTube source never loads them.


@functools.cache
def _rebased_adapter() -> type[Any]:
    """A requests adapter class that sends requests for ``YOUTUBE_ORIGIN`` to another base
    URL (the test fake), each with a timeout."""
    from requests.adapters import HTTPAdapter  # noqa: PLC0415

    class RebasedAdapter(HTTPAdapter):
        def __init__(self, base_url: str, timeout: float) -> None:
            super().__init__(max_retries=0)
            self._base = base_url.rstrip("/")
            self._timeout = timeout

        def send(  # noqa: PLR0917 - requests' own signature
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: float | tuple[float, float] | tuple[float, None] | None = None,
            verify: bool | str = True,
            cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
            proxies: Mapping[str, str] | None = None,
        ) -> requests.Response:
            url = request.url or ""
            if self._base != YOUTUBE_ORIGIN and url.startswith(YOUTUBE_ORIGIN):
                request.url = self._base + url[len(YOUTUBE_ORIGIN) :]
            return super().send(
                request, stream=stream, timeout=timeout or self._timeout, verify=verify,
                cert=cert, proxies=proxies,
            )  # fmt: skip

    return RebasedAdapter


def _session(base_url: str, timeout: float) -> requests.Session:
    import requests  # noqa: PLC0415 - see _rebased_adapter

    session = requests.Session()
    session.mount(YOUTUBE_ORIGIN, _rebased_adapter()(base_url, timeout))
    return session


def _transcript_text(base_url: str, video_id: str, timeout: float) -> str:
    """Blocking: the transcript in a preferred language if there is one, else the first
    (manually made before generated)."""
    from youtube_transcript_api import NoTranscriptFound, YouTubeTranscriptApi  # noqa: PLC0415

    with _session(base_url, timeout) as session:
        listing = YouTubeTranscriptApi(http_client=session).list(video_id)
        chosen: Transcript | None
        try:
            chosen = listing.find_transcript(PREFERRED_LANGUAGES)
        except NoTranscriptFound:
            chosen = next(iter(listing), None)
        if chosen is None:
            raise ExtractionFailed(NO_TRANSCRIPT)
        fetched = chosen.fetch()
    text = " ".join(s.text.replace("\n", " ").strip() for s in fetched.snippets)
    return re.sub(r"\s+", " ", text).strip()


def _failure(exc: CouldNotRetrieveTranscript) -> Exception:
    from youtube_transcript_api import (  # noqa: PLC0415 - see _rebased_adapter
        AgeRestricted,
        InvalidVideoId,
        NoTranscriptFound,
        PoTokenRequired,
        RequestBlocked,
        TranscriptsDisabled,
        VideoUnavailable,
        VideoUnplayable,
        YouTubeRequestFailed,
    )

    if isinstance(exc, TranscriptsDisabled | NoTranscriptFound):
        return ExtractionFailed(NO_TRANSCRIPT)
    if isinstance(exc, VideoUnavailable | InvalidVideoId):
        return ExtractionFailed(
            "the video is unavailable (removed, private, or the id in the URL is wrong)"
        )
    if isinstance(exc, AgeRestricted | VideoUnplayable):
        return ExtractionFailed(
            "YouTube will not play the video without signing in (age-restricted or "
            "region-blocked); send what it says as sourceType 'text'"
        )
    if isinstance(exc, RequestBlocked | PoTokenRequired):
        return ExtractionFailed(
            "YouTube refused transcript requests from this server (it blocks many cloud IP "
            "addresses); send the transcript as sourceType 'text'"
        )
    if isinstance(exc, YouTubeRequestFailed):
        return TryAgain("YouTube did not answer the transcript request; it is retried")
    return ExtractionFailed(f"YouTube's page could not be read ({type(exc).__name__})")


async def transcript(base_url: str, video_id: str, *, per_request: float) -> str:
    import requests  # noqa: PLC0415 - see _rebased_adapter
    from youtube_transcript_api import CouldNotRetrieveTranscript  # noqa: PLC0415

    try:
        # Several requests, each under `per_request`; the thread is abandoned at the deadline.
        async with asyncio.timeout(per_request * 4):
            text = await asyncio.to_thread(_transcript_text, base_url, video_id, per_request)
    except CouldNotRetrieveTranscript as exc:
        raise _failure(exc) from exc
    except (requests.RequestException, TimeoutError) as exc:
        raise TryAgain(f"YouTube could not be reached ({type(exc).__name__})") from exc
    if not text:
        raise ExtractionFailed(NO_TRANSCRIPT)
    return text


async def title(base_url: str, video_id: str, policy: FetchPolicy) -> str:
    """The video's title from oEmbed; a plain name when oEmbed does not give one (the title
    is a nicety, the transcript is what matters)."""
    watch = f"{YOUTUBE_ORIGIN}/watch?v={video_id}"
    try:
        response = await fetch(
            base_url.rstrip("/") + "/oembed",
            what="YouTube's oEmbed answer",
            policy=policy,
            max_bytes=MB,
            params={"url": watch, "format": "json"},
        )
        data = response.json()
    except (ExtractionFailed, TryAgain, ValueError):
        data = None
    found = data.get("title") if isinstance(data, dict) else None
    return (
        found.strip() if isinstance(found, str) and found.strip() else f"YouTube video {video_id}"
    )


async def extract(base_url: str, video_id: str, policy: FetchPolicy) -> Extracted:
    text = await transcript(base_url, video_id, per_request=policy.timeout)
    return Extracted(title=await title(base_url, video_id, policy), content=text)
