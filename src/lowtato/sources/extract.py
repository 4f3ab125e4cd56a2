"""Turning a source into title and text, one function per source type, then applying the
custom instructions. Network work only: the job (``tasks``) reads and writes the row around
it, outside any transaction while this runs."""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import unquote, urlsplit

import httpx

from lowtato.llm.client import Message, OpenAICompatible, ProviderError
from lowtato.sources import documents, oembed, youtube
from lowtato.sources.documents import Extracted
from lowtato.sources.failures import ExtractionFailed, TryAgain
from lowtato.sources.fetch import MB, FetchPolicy, fetch, media_type, megabytes
from lowtato.sources.models import SourceType
from lowtato.sources.ports import SourceServices
from lowtato.sources.urls import youtube_video_id

MAX_CONTENT_CHARS: Final = 100_000
ARTICLE_MAX_BYTES: Final = 5 * MB
PDF_MAX_BYTES: Final = 20 * MB
AUDIO_MAX_BYTES: Final = 25 * MB  # OpenAI's transcription limit
# Of the extracted text, what is handed to the AI with the custom instructions.
INSTRUCTIONS_INPUT_CHARS: Final = 30_000

HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
AUDIO_TYPES: Final = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "webm": "audio/webm",
    "ogg": "audio/ogg",
}
_AUDIO_MEDIA_TYPES: Final = frozenset(
    {*AUDIO_TYPES.values(), "audio/mp3", "audio/x-m4a", "audio/m4a", "audio/x-wav",
     "audio/wave", "audio/vnd.wave", "video/webm", "application/ogg"}
)  # fmt: skip
_SEARCH_SYSTEM: Final = (
    "Answer the question with current, factual information from your web search. Be "
    "specific, give figures and dates, and name your sources with their URLs."
)
_INSTRUCTIONS_SYSTEM: Final = (
    "You prepare source material for a social-media writer. Follow the user's instructions "
    "exactly, use only facts found in the source, and answer with the result only."
)


@dataclass
class Result:
    title: str
    content: str
    raw_content: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    source_type: SourceType
    url: str | None
    text: str | None
    instructions: str | None


class Extractor:
    """Extracts sources with the process's settings and AI providers."""

    def __init__(self, services: SourceServices) -> None:
        settings = services.settings
        self._services = services
        self._policy = FetchPolicy(
            allow_private=settings.allow_private_urls,
            timeout=settings.sources_fetch_timeout_seconds,
            idle_timeout=min(15.0, settings.sources_fetch_timeout_seconds),
        )
        self._handlers: dict[SourceType, Callable[[Request], Awaitable[Extracted]]] = {
            SourceType.article: self._article,
            SourceType.pdf: self._pdf,
            SourceType.youtube: self._youtube,
            SourceType.tiktok: self._tiktok,
            SourceType.twitter: self._twitter,
            SourceType.text: self._text,
            SourceType.audio: self._audio,
            SourceType.perplexity_query: self._search,
        }

    async def run(self, request: Request) -> Result:
        extracted = await self._handlers[request.source_type](request)
        result = Result(title=_clean(extracted.title), content=_clean(extracted.content))
        if request.instructions:
            await self._apply_instructions(result, request.instructions)
        for name in ("content", "raw_content"):
            value = getattr(result, name)
            if value is not None and len(value) > MAX_CONTENT_CHARS:
                setattr(result, name, value[:MAX_CONTENT_CHARS])
                result.notes.append(
                    f"{'extracted_content' if name == 'content' else name} was cut to its first "
                    f"{MAX_CONTENT_CHARS:,} characters (the source had {len(value):,})"
                )
        return result

    async def _article(self, request: Request) -> Extracted:
        url = _required(request.url)
        response = await fetch(url, what="the article", policy=self._policy,
                               max_bytes=ARTICLE_MAX_BYTES, accept=_html_only)  # fmt: skip
        # Without a charset in the header, the page's own <meta charset> decides (trafilatura
        # reads it from the bytes); httpx would assume UTF-8.
        declared = "charset=" in response.headers.get("Content-Type", "").lower()
        html = response.text if declared else response.content
        return documents.article(html, str(response.url))

    async def _pdf(self, request: Request) -> Extracted:
        url = _required(request.url)
        response = await fetch(url, what="the PDF", policy=self._policy, max_bytes=PDF_MAX_BYTES)
        return await asyncio.to_thread(documents.pdf, response.content)

    async def _youtube(self, request: Request) -> Extracted:
        video_id = youtube_video_id(_required(request.url))
        if video_id is None:  # refused at creation; a row written by an older release
            raise ExtractionFailed("not a YouTube video URL")
        base = self._services.settings.sources_youtube_url
        return await youtube.extract(base, video_id, self._policy)

    async def _tiktok(self, request: Request) -> Extracted:
        endpoint = self._services.settings.sources_tiktok_oembed_url
        return await oembed.tiktok(endpoint, _required(request.url), self._policy)

    async def _twitter(self, request: Request) -> Extracted:
        endpoint = self._services.settings.sources_twitter_oembed_url
        return await oembed.twitter(endpoint, _required(request.url), self._policy)

    async def _text(self, request: Request) -> Extracted:
        return documents.plain(_required(request.text))

    async def _audio(self, request: Request) -> Extracted:
        if request.text:  # the caller's own transcript
            return documents.plain(request.text)
        llm = self._services.llm
        if llm is None or not llm.config.transcribe_model:
            raise ExtractionFailed(
                "audio is transcribed by an OpenAI-compatible provider, and none is configured "
                "for transcription: the operator sets LOWTATO_AI_BASE_URL, LOWTATO_AI_MODEL and "
                "LOWTATO_AI_TRANSCRIBE_MODEL (e.g. whisper-1); or send the transcript as `text`"
            )
        url = _required(request.url)
        response = await fetch(url, what="the audio file", policy=self._policy,
                               max_bytes=AUDIO_MAX_BYTES, accept=_audio_only)  # fmt: skip
        filename, mime = _audio_name(response)
        try:
            spoken = await llm.transcribe(response.content, filename=filename, mime_type=mime)
        except ProviderError as exc:
            raise _provider_failure(exc, "the transcription") from exc
        if not spoken.strip():
            raise ExtractionFailed("no speech was found in the audio file")
        return documents.plain(spoken)

    async def _search(self, request: Request) -> Extracted:
        question = _required(request.text)
        search = self._services.search_llm
        if search is None:
            raise ExtractionFailed(
                "perplexity-query needs a search-capable AI endpoint, and none is configured: "
                "the operator sets LOWTATO_AI_SEARCH_BASE_URL, LOWTATO_AI_SEARCH_API_KEY and "
                "LOWTATO_AI_SEARCH_MODEL (e.g. https://api.perplexity.ai with sonar). The main "
                "AI provider is not used instead: its answer would not be researched."
            )
        messages = [Message("system", _SEARCH_SYSTEM), Message("user", question)]
        try:
            answer = await search.chat(messages, max_tokens=1500, temperature=0.2)
        except ProviderError as exc:
            raise _provider_failure(exc, "the search") from exc
        return Extracted(title=documents.short_title(question), content=answer.strip())

    async def _apply_instructions(self, result: Result, instructions: str) -> None:
        llm = self._services.llm
        if llm is None:
            result.notes.append(
                "customInstructions were not applied: no AI provider is configured (the "
                "operator sets LOWTATO_AI_BASE_URL and LOWTATO_AI_MODEL); extracted_content is "
                "the text as extracted"
            )
            return
        source = result.content[:INSTRUCTIONS_INPUT_CHARS]
        if len(result.content) > INSTRUCTIONS_INPUT_CHARS:
            result.notes.append(
                f"customInstructions were applied to the first {INSTRUCTIONS_INPUT_CHARS:,} "
                f"characters of the text (of {len(result.content):,}); raw_content has it all"
            )
        prompt = f"Instructions: {instructions}\n\nTitle: {result.title}\n\nSource:\n{source}"
        try:
            shaped = await _chat(llm, prompt)
        except ProviderError as exc:
            if _transient(exc):
                raise TryAgain(f"the AI provider failed: {exc.reason}") from exc
            result.notes.append(
                f"customInstructions were not applied: {exc.reason}; extracted_content is the "
                "text as extracted"
            )
            return
        result.raw_content = result.content
        result.content = _clean(shaped).strip()


async def _chat(llm: OpenAICompatible, prompt: str) -> str:
    messages = [Message("system", _INSTRUCTIONS_SYSTEM), Message("user", prompt)]
    return await llm.chat(messages, max_tokens=2000, temperature=0.3)


def _clean(text: str) -> str:
    """Without NUL, which a PostgreSQL text column refuses (PDFs and pages do contain it)."""
    return text.replace("\x00", "")


def _required(value: str | None) -> str:
    if not value:  # the create refuses this; a row written by an older release
        raise ExtractionFailed("the source has no url/text to read; create it again")
    return value


def _transient(exc: ProviderError) -> bool:
    return exc.status is None or exc.status == 429 or exc.status >= 500


def _provider_failure(exc: ProviderError, what: str) -> Exception:
    if _transient(exc):
        return TryAgain(f"{what} failed: {exc.reason}")
    return ExtractionFailed(f"{what} failed: {exc.reason}; the operator should check the AI "
                            "provider's settings")  # fmt: skip


def _html_only(response: httpx.Response) -> None:
    found = media_type(response)
    if found not in HTML_TYPES:
        raise ExtractionFailed(
            f"the URL serves {found or 'no content type'}, not a web page (text/html); for a "
            "PDF use sourceType 'pdf', for audio 'audio'"
        )


def _audio_only(response: httpx.Response) -> None:
    found = media_type(response)
    if found in _AUDIO_MEDIA_TYPES or _extension(response.url) in AUDIO_TYPES:
        return
    raise ExtractionFailed(
        f"the URL serves {found or 'no content type'}, not an audio file; use an "
        f"{', '.join(AUDIO_TYPES)} file of at most {megabytes(AUDIO_MAX_BYTES)}"
    )


def _extension(url: httpx.URL) -> str:
    name = posixpath.basename(unquote(urlsplit(str(url)).path))
    return name.rpartition(".")[2].lower() if "." in name else ""


def _audio_name(response: httpx.Response) -> tuple[str, str]:
    """A file name and type the transcription API accepts (it judges by the extension)."""
    found = media_type(response)
    extension = _extension(response.url)
    if extension not in AUDIO_TYPES:
        by_type = {v: k for k, v in AUDIO_TYPES.items()}
        extension = by_type.get(found, "mp3")
    mime = found if found in _AUDIO_MEDIA_TYPES else AUDIO_TYPES[extension]
    return f"audio.{extension}", mime
