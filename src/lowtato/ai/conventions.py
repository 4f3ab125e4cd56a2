"""How a post is shaped on each platform, as data: how many hashtags and where they go, how
paragraphs are separated, how many body sentences, the calls to action, the length to aim
for. The built-in generator, the provider prompt and ``fit`` all read this one table; the hard
limits (length, counting) stay in ``platforms.capabilities``."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.names import Platform


@dataclass(frozen=True, slots=True)
class Convention:
    hashtags_min: int
    hashtags_max: int
    hashtag_sep: str
    """What joins the hashtag block to the text: a blank line, a line break or a space."""
    paragraph_sep: str
    body_sentences: int
    """At most this many body sentences between the hook and the call to action."""
    target_chars: int
    """About how long a good post is (asked of a provider; the limit is the platform's)."""
    ctas: tuple[str, ...]
    """Calls to action; ``{subject}`` is the topic when short, else "this"."""
    advice: str
    """How the platform's posts look, for a provider's prompt."""
    title_limit: int | None = None
    """The first line is a title of at most this many characters (YouTube)."""
    sentence_paragraphs: bool = False
    """Each body sentence is a paragraph of its own (else they share one)."""
    keywords: bool = False
    """A sentence of search keywords belongs in the body (Pinterest is a search engine)."""


QUESTIONS = (
    "What's your take on {subject}?",
    "What would you add?",
    "Thoughts? Reply and tell us.",
)

CONVENTIONS: dict[Platform, Convention] = {
    Platform.TWITTER: Convention(
        0, 2, "\n", "\n\n", 2, 220, QUESTIONS,
        "One or two short sentences; no more than 2 hashtags.",
    ),
    Platform.LINKEDIN: Convention(
        3, 5, "\n\n", "\n\n", 3, 900,
        ("What's your take on {subject}? Share it in the comments.",
         "How does your team think about {subject}?", "Agree or disagree? Let's discuss below."),
        "A strong first line, then short paragraphs of one or two sentences separated by "
        "blank lines; end with a question; 3 to 5 hashtags at the very end after a blank line.",
        sentence_paragraphs=True,
    ),
    Platform.INSTAGRAM: Convention(
        5, 10, "\n\n", "\n\n", 3, 700,
        ("Link in bio for more.", "Tap the link in bio to learn more.",
         "Save this post and check the link in bio."),
        "A caption with a hook line and short paragraphs; a call to action pointing to the "
        "link in bio (captions cannot hold links); up to 10 hashtags in a block at the end.",
        sentence_paragraphs=True,
    ),
    Platform.TIKTOK: Convention(
        3, 5, " ", " ", 2, 300,
        ("Link in bio.", "Follow for more.", "Link in bio for the full story."),
        "A short caption for a video: a hook and one or two sentences; 3 to 5 hashtags.",
    ),
    Platform.FACEBOOK: Convention(
        0, 2, "\n\n", "\n\n", 3, 600,
        ("Tell us in the comments: what do you think about {subject}?",
         "Share this with someone who'd like it.", "What's your experience? Comment below."),
        "A friendly post of a few short paragraphs; at most 2 hashtags.",
        sentence_paragraphs=True,
    ),
    Platform.THREADS: Convention(
        0, 1, "\n\n", "\n\n", 2, 350, QUESTIONS,
        "A conversational post that invites replies; at most one topic hashtag.",
    ),
    Platform.BLUESKY: Convention(
        0, 2, "\n", "\n\n", 2, 250, QUESTIONS,
        "A short, conversational post; at most 2 hashtags.",
    ),
    Platform.YOUTUBE: Convention(
        3, 3, "\n\n", "\n\n", 3, 1200,
        ("Subscribe for more videos like this.", "Like and subscribe if this helped.",
         "Questions? Ask them in the comments."),
        "A video title (at most 100 characters) on the first line, a blank line, then the "
        "description in short paragraphs; exactly 3 hashtags at the end. No < or >.",
        title_limit=100,
        sentence_paragraphs=True,
    ),
    Platform.PINTEREST: Convention(
        2, 5, " ", " ", 2, 400,
        ("Save this pin for later.", "Save it for your next idea."),
        "A keyword-rich description of what the pin shows and why it is useful; "
        "2 to 5 keyword hashtags at the end.",
        keywords=True,
    ),
}  # fmt: skip


def caps(platform: Platform) -> Capabilities:
    return CAPABILITIES[platform]


def compose(text: str, hashtags: list[str], platform: Platform) -> str:
    """The post as published: the text, then the hashtags where the platform puts them."""
    text = text.strip()
    if not hashtags:
        return text
    block = " ".join(hashtags)
    return f"{text}{CONVENTIONS[platform].hashtag_sep}{block}" if text else block
