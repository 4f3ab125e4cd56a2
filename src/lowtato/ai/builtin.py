"""The built-in offline generator: a usable post from templates, the brand kit and the
topic, without any AI provider. Deterministic: every choice is taken from a hash of the
inputs, so the same request gives the same post and a different topic a different one."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from lowtato.ai.conventions import CONVENTIONS, Convention, caps, compose
from lowtato.ai.fit import ELLIPSIS, fits
from lowtato.ai.hashtags import STOPWORDS, derive, words
from lowtato.ai.request import GenerationRequest, SourceText
from lowtato.ai.templates import TEMPLATES

_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_FIRST_CLAUSE = re.compile(r"[.!?;\n]\s")
_WE = re.compile(r"(?i)(we|i)\s+(.+)")
SHORT_SUBJECT = 48  # a longer topic is named once, in the hook, and is "this" after
_HELP = re.compile(r"(?i)^(?:we|i)\s+help\s+|^helping\s+")


class Builtin:
    """The provider used when no AI endpoint is configured."""

    name = "builtin"

    async def write(self, request: GenerationRequest) -> str:
        return write_post(request)


def write_post(request: GenerationRequest) -> str:
    seed = _seed(request)
    convention = CONVENTIONS[request.platform]
    templates = TEMPLATES[request.tone]
    brand = request.brand
    limit = caps(request.platform).text_limit
    topic = _subject(request.topic, 80 if limit <= 500 else 120)
    subject = topic if len(topic) <= SHORT_SUBJECT else "this"
    slots = {
        "topic": _mid_sentence(topic),
        "Topic": _capital(topic),
        "subject": _mid_sentence(subject),
        "Subject": _capital(subject),
        "brand": brand.brand_name or "",
        "at": f"At {brand.brand_name}, " if brand.brand_name else "",
        "atlow": f"at {brand.brand_name}, " if brand.brand_name else "",
        "we": _we(brand.what_do_you_do or ""),
        "who": _who(brand.who_do_you_help or ""),
        "Who": _capital(_who(brand.who_do_you_help or "")),
    }

    def pick(options: Sequence[str], salt: str) -> str:
        digest = hashlib.sha256(seed + salt.encode()).digest()
        chosen = options[int.from_bytes(digest[:8], "big") % len(options)]
        return _capital(chosen.format(**slots)).replace(ELLIPSIS + ".", ELLIPSIS)

    body: list[str] = []
    if request.source is not None:
        body += key_sentences(request.source, request.topic, 2)
    if brand.what_do_you_do:
        body.append(pick(templates.what, "what"))
    if convention.keywords and (terms := _keywords(request.topic, brand.topics)):
        body.append(f"Ideas for {terms}.")
    body.append(pick(templates.insights, "insight"))
    if brand.who_do_you_help:
        body.append(pick(templates.who, "who"))
    hook = pick(templates.hooks, "hook")
    cta = pick(convention.ctas, "cta")
    tags = (
        derive(request.topic, brand.topics, brand.brand_name)[: convention.hashtags_max]
        if request.include_hashtags
        else []
    )
    title = _subject(request.topic, convention.title_limit) if convention.title_limit else ""
    post = ""
    for count in range(min(convention.body_sentences, len(body)), 0, -1):
        post = compose(_arrange(convention, title, hook, body[:count], cta), tags, request.platform)
        if fits(post, request.platform):
            break
    return post


def _arrange(convention: Convention, title: str, hook: str, body: list[str], cta: str) -> str:
    middle = body if convention.sentence_paragraphs else [" ".join(body)]
    parts = [_capital(title)] if title else []
    return convention.paragraph_sep.join([*parts, hook, *middle, cta])


def key_sentences(source: SourceText, topic: str, count: int) -> list[str]:
    """The source's ``count`` most telling sentences, in their order: ones that share words
    with the topic, come early, or carry figures; of a readable length."""
    topic_words = {w.casefold() for w in words(topic)}
    sentences = [s.strip() for s in _SENTENCES.split(" ".join(source.content.split()))]
    scored = []
    for index, sentence in enumerate(sentences):
        if not 30 <= len(sentence) <= 240:
            continue
        shared = len(topic_words & {w.casefold() for w in words(sentence)})
        score = (
            3 * shared + (2 if index < 3 else 0) + (1 if any(c.isdigit() for c in sentence) else 0)
        )
        scored.append((-score, index, sentence))
    chosen = sorted(sorted(scored)[:count], key=lambda item: item[1])
    found = [sentence for _, _, sentence in chosen]
    if found and source.title:
        found[0] = f"From “{source.title.strip()}”: {found[0]}"
    return found


def _keywords(topic: str, brand_topics: list[str]) -> str:
    """Up to four search terms from the topic and the brand's topics: "rye, loaf and baking"."""
    terms = list(
        dict.fromkeys([w.lower() for w in words(topic)] + [t.lower() for t in brand_topics])
    )
    terms = terms[:4]
    return ", ".join(terms[:-1]) + f" and {terms[-1]}" if len(terms) > 1 else "".join(terms)


def _seed(request: GenerationRequest) -> bytes:
    inputs = [
        request.topic, request.platform.value, request.tone.value, request.include_hashtags,
        request.custom_instructions, request.brand.model_dump(), request.language,
        [request.source.title, request.source.content] if request.source else None,
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).digest()


def _subject(topic: str, cap: int) -> str:
    """The topic's first clause, at most ``cap`` characters (cut at a word, with an
    ellipsis), without closing punctuation."""
    text = " ".join(topic.split())
    match = _FIRST_CLAUSE.search(text)
    if match and match.start() > 0:
        text = text[: match.start()]
    if len(text) > cap:
        head = text[: cap - 1]
        head = head.rsplit(" ", 1)[0] if " " in head else head
        text = head.rstrip(" ,;:-–—") + ELLIPSIS
    return text.rstrip(" .!?;:,") if not text.endswith(ELLIPSIS) else text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mid_sentence(text: str) -> str:
    """Lower-case the first letter of a common first word ("Why ..." → "why ...") but not of
    a name ("Paris ...")."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first.casefold() in STOPWORDS else text


def _we(what: str) -> str:
    """What the brand does, as a clause that follows "At Brand, ": "we bake bread"."""
    text = _subject(what, 200)
    if not text:
        return ""
    match = _WE.fullmatch(text)
    if match:
        return (
            f"{match.group(1).lower() if match.group(1).lower() == 'we' else 'I'} {match.group(2)}"
        )
    if text.split(" ", 1)[0].casefold() in {"our", "my"}:
        return text[:1].lower() + text[1:]
    return f"we focus on {_mid_lower(text)}"


def _who(who: str) -> str:
    text = _HELP.sub("", _subject(who, 160))
    return _mid_lower(text)


def _mid_lower(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first[1:] == first[1:].lower() else text
