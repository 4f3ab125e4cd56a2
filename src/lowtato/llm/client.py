"""A client for any OpenAI-compatible API (OpenAI, Ollama, vLLM, OpenRouter, LiteLLM, ...):
chat completions, image generation, audio transcription — the three calls AI features need.

The operator configures the endpoint (``LOWTATO_AI_*``), so it may be a private address (an
Ollama on the same host); it is still called through the guarded client for what that gives
every outbound call: no redirects followed blindly, a cap on the response body, and a deadline
on the whole exchange. URLs the provider hands back (an image URL) are someone else's host and
are fetched with the private-address checks on (``allow_private`` from the settings).

Every failure — refused connection, timeout, non-2xx, a body that is not the documented shape —
raises :class:`ProviderError` with a sentence fit to show the user.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from lowtato.kit.guarded_http import OutboundError, guarded_client

MAX_JSON_BYTES = 4 * 1024 * 1024  # a chat answer or an error body
MAX_IMAGE_BYTES = 32 * 1024 * 1024  # a generated image, base64 or fetched


class ProviderError(Exception):
    """The AI provider did not give a usable answer; ``reason`` says why."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class LLMConfig:
    base_url: str
    api_key: str
    chat_model: str
    image_model: str = ""
    transcribe_model: str = ""
    timeout: float = 60.0
    # For URLs the provider returns (not the configured endpoint): LOWTATO_ALLOW_PRIVATE_URLS.
    allow_private_urls: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


class OpenAICompatible:
    """Calls ``{base_url}/chat/completions``, ``/images/generations`` and
    ``/audio/transcriptions`` with a bearer key. One instance is shared by a process."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._base = config.base_url.rstrip("/")

    @property
    def name(self) -> str:
        """The model name, as responses report the provider."""
        return self.config.chat_model

    async def chat(
        self, messages: list[Message], *, max_tokens: int, temperature: float = 0.7
    ) -> str:
        """The assistant's text for ``messages``."""
        body = {
            "model": self.config.chat_model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        data = await self._post_json("/chat/completions", body)
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the AI provider's answer has no choices[0].message") from exc
        if isinstance(content, list):  # content parts (some servers answer this way)
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str) or not content.strip():
            raise ProviderError("the AI provider answered with empty text")
        return content

    async def image(self, prompt: str, *, size: str) -> bytes:
        """Image bytes for ``prompt`` (``size`` as the API takes it, e.g. ``1024x1024``)."""
        if not self.config.image_model:
            raise ProviderError("no image model is configured (LOWTATO_AI_IMAGE_MODEL)")
        body = {"model": self.config.image_model, "prompt": prompt, "size": size, "n": 1}
        data = await self._post_json("/images/generations", body, max_bytes=MAX_IMAGE_BYTES * 2)
        try:
            item = data["data"][0]
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError("the AI provider's image answer has no data[0]") from exc
        if isinstance(item, dict) and isinstance(item.get("b64_json"), str):
            try:
                return base64.b64decode(item["b64_json"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderError("the AI provider's image is not valid base64") from exc
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            return await self._fetch_image(item["url"])
        raise ProviderError("the AI provider's image answer has neither b64_json nor url")

    async def transcribe(self, data: bytes, *, filename: str, mime_type: str) -> str:
        """The text spoken in an audio file."""
        if not self.config.transcribe_model:
            raise ProviderError(
                "no transcription model is configured (LOWTATO_AI_TRANSCRIBE_MODEL)"
            )
        # httpx builds the multipart body; the guarded client sends bytes.
        request = httpx.Request(
            "POST",
            self._base + "/audio/transcriptions",
            data={"model": self.config.transcribe_model},
            files={"file": (filename, data, mime_type)},
        )
        content = request.read()
        answer = await self._post_json(
            "/audio/transcriptions",
            None,
            content=content,
            content_type=request.headers["Content-Type"],
        )
        text = answer.get("text")
        if not isinstance(text, str):
            raise ProviderError("the AI provider's transcription has no text")
        return text

    async def _post_json(
        self,
        path: str,
        body: Mapping[str, Any] | None,
        *,
        content: bytes | None = None,
        content_type: str = "application/json",
        max_bytes: int = MAX_JSON_BYTES,
    ) -> dict[str, Any]:
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        try:
            async with guarded_client(
                allow_private=True,  # the operator's own endpoint; see the module docstring
                timeout=self.config.timeout,
                max_redirects=0,
                max_response_bytes=max_bytes,
            ) as client:
                response = await client.request(
                    "POST",
                    self._base + path,
                    headers=headers,
                    content=content,
                    json=None if content is not None else dict(body or {}),
                )
        except OutboundError as exc:
            raise ProviderError(f"the AI provider could not be reached: {exc.reason}") from exc
        return _json_answer(response)

    async def _fetch_image(self, url: str) -> bytes:
        try:
            async with guarded_client(
                allow_private=self.config.allow_private_urls,
                timeout=self.config.timeout,
                max_response_bytes=MAX_IMAGE_BYTES,
            ) as client:
                response = await client.get(url)
        except OutboundError as exc:
            raise ProviderError(f"the generated image could not be fetched: {exc.reason}") from exc
        if response.status_code != 200:
            raise ProviderError(
                f"the generated image could not be fetched (HTTP {response.status_code})"
            )
        return response.content


def _json_answer(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code >= 400:
        detail = ""
        if isinstance(data, dict):
            error = data.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            detail = f": {message}" if isinstance(message, str) and message else ""
        raise ProviderError(
            f"the AI provider answered HTTP {response.status_code}{detail}",
            status=response.status_code,
        )
    if not isinstance(data, dict):
        raise ProviderError("the AI provider's answer is not a JSON object")
    return data
