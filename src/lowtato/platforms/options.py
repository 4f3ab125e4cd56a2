"""Per-platform `options` objects of a post, as strict Pydantic models.

Each model rejects unknown keys (`extra="forbid"`) so a typo is an error, not a silently ignored
setting. Field descriptions are written for agents: they end up in `GET /api/v1/platforms` and in
the message for a missing required option. Length limits of text options (YouTube title, Pinterest
description, X thread items ...) are not declared here but in `capabilities.TextField`, because
they are counted per platform (weighted, bytes, graphemes) and JSON Schema's `maxLength` cannot
express that; `validation.validate_content` enforces them.
"""

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

_NOT_BLANK = r"\S"
_DIGITS = r"^[0-9]+$"
_POST_ID = r"^[0-9]{1,19}$"
_HTTP_URL = r"^https?://[^\s]+$"
_INSTAGRAM_USERNAME = r"^[A-Za-z0-9._]{1,30}$"
_LANGUAGE_TAG = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"

PATTERN_HINTS: Mapping[str, str] = {
    _NOT_BLANK: "must contain text, not only spaces",
    _DIGITS: "must be a numeric id (digits only)",
    _POST_ID: "must be a numeric post id (1 to 19 digits)",
    _HTTP_URL: "must be an http:// or https:// URL without spaces",
    _INSTAGRAM_USERNAME: (
        "must be an Instagram username without @ (letters, digits, '.' and '_', at most 30)"
    ),
    _LANGUAGE_TAG: "must be a language tag such as en or pt-BR",
}
"""Readable meaning of each regex used below, for turning pattern errors into advice."""

NonBlankText = Annotated[str, StringConstraints(pattern=_NOT_BLANK)]
NumericId = Annotated[str, StringConstraints(pattern=_DIGITS)]
PostId = Annotated[str, StringConstraints(pattern=_POST_ID)]
WebUrl = Annotated[str, StringConstraints(pattern=_HTTP_URL)]
InstagramUsername = Annotated[str, StringConstraints(pattern=_INSTAGRAM_USERNAME)]
LanguageTag = Annotated[str, StringConstraints(pattern=_LANGUAGE_TAG)]


class PlatformOptions(BaseModel):
    """Base of every platform's options: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_delay: int | None = Field(
        default=None,
        ge=1,
        le=7 * 24 * 60,
        description=(
            "Minutes: do not publish more than this long after the scheduled time (e.g. after "
            "an outage); the post then fails with error_code too_late. Omit to always publish."
        ),
    )


class CommentableOptions(PlatformOptions):
    """Options of platforms whose API can add a comment (or self-reply) right after publishing."""

    first_comment: NonBlankText | None = Field(
        default=None,
        description=(
            "Text posted as the first comment (a self-reply on X, Threads and Bluesky) right "
            "after the post is published."
        ),
    )


class TwitterOptions(CommentableOptions):
    """Options of an X (Twitter) post."""

    # docs/reference/platforms.md §2, body of POST /2/tweets

    reply_settings: Literal["following", "mentionedUsers", "subscribers", "verified"] | None = (
        Field(default=None, description="Who may reply; omit to let everyone reply.")
    )
    thread: list[NonBlankText] = Field(
        default_factory=list,
        description=(
            "Further posts of a thread, in order; each is published as a reply to the previous "
            "one and has the same 280 weighted-character limit as the main text."
        ),
    )
    quote_tweet_id: PostId | None = Field(default=None, description="Id of the post to quote.")
    reply_to_id: PostId | None = Field(
        default=None, description="Id of the post this one replies to."
    )


class InstagramOptions(CommentableOptions):
    """Options of an Instagram post."""

    # docs/reference/platforms.md §3, parameters of POST /{ig-user-id}/media

    post_type: Literal["feed", "reel", "story", "carousel"] | None = Field(
        default=None,
        description=(
            "feed (1 image), reel (1 video), story (1 image or video, no caption) or carousel "
            "(2-10 images/videos); omitted, it is chosen from the media."
        ),
    )
    share_to_feed: bool | None = Field(
        default=None, description="Reels only: also show the reel in the profile feed."
    )
    collaborators: list[InstagramUsername] = Field(
        default_factory=list,
        description="Usernames invited as collaborators (feed and reel posts only).",
    )
    location_id: NumericId | None = Field(
        default=None, description="Id of the Facebook Page of a location to tag."
    )


class LinkedInOptions(CommentableOptions):
    """Options of a LinkedIn post.

    The author is not an option: posting as an organization page means targeting the page's
    subaccount.
    """

    visibility: Literal["PUBLIC", "CONNECTIONS"] = Field(
        default="PUBLIC", description="PUBLIC (anyone) or CONNECTIONS (1st-degree connections)."
    )


class TikTokOptions(PlatformOptions):
    """Options of a TikTok post (direct post; TikTok's API cannot add comments)."""

    # docs/reference/platforms.md §5, post_info of video/init and content/init

    privacy_level: Literal[
        "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"
    ] = Field(
        description=(
            "Who can see the post: PUBLIC_TO_EVERYONE, MUTUAL_FOLLOW_FRIENDS, "
            "FOLLOWER_OF_CREATOR or SELF_ONLY; it must be one of the creator's "
            "privacy_level_options, and unaudited apps can only post SELF_ONLY."
        ),
    )
    disable_comment: bool = Field(default=False, description="Turn comments off.")
    disable_duet: bool = Field(default=False, description="Video posts only: turn duets off.")
    disable_stitch: bool = Field(default=False, description="Video posts only: turn stitch off.")
    brand_content_toggle: bool = Field(
        default=False, description="The post is paid partnership content promoting a third party."
    )
    brand_organic_toggle: bool = Field(
        default=False, description="The post promotes the creator's own business."
    )
    title: NonBlankText | None = Field(
        default=None,
        description="Photo posts only: the title (the text becomes the photo description).",
    )
    video_source: Literal["FILE_UPLOAD", "PULL_FROM_URL"] = Field(
        default="FILE_UPLOAD",
        description=(
            "Video posts only: FILE_UPLOAD (Lowtato uploads the file in chunks) or "
            "PULL_FROM_URL (TikTok downloads the media URL; its prefix must be verified in "
            "the TikTok app). Photos are always pulled from their URLs."
        ),
    )


class FacebookOptions(CommentableOptions):
    """Options of a Facebook Page post."""

    # docs/reference/platforms.md §6

    post_type: Literal["feed", "reel", "story"] | None = Field(
        default=None,
        description=(
            "feed (text, link, photos or 1 video), reel (1 video, 3-90 s) or story (1 photo or "
            "video, no text); omitted, feed."
        ),
    )
    link: WebUrl | None = Field(
        default=None, description="Feed posts only: a URL shared as a link preview."
    )


class ThreadsOptions(CommentableOptions):
    """Options of a Threads post."""

    # docs/reference/platforms.md §7, parameters of POST /{threads-user-id}/threads

    reply_control: Literal["everyone", "accounts_you_follow", "mentioned_only"] | None = Field(
        default=None, description="Who may reply; omit for everyone."
    )
    thread: list[NonBlankText] = Field(
        default_factory=list,
        description=(
            "Further posts of a thread, in order; each is published as a reply to the previous "
            "one (a reply chain) and has the same 500-character limit as the main text."
        ),
    )


class BlueskyOptions(CommentableOptions):
    """Options of a Bluesky post."""

    # docs/reference/platforms.md §8, fields of the app.bsky.feed.post record and its embeds

    langs: list[LanguageTag] = Field(
        default_factory=list,
        max_length=3,
        description="Up to 3 language tags of the text, such as en or pt-BR.",
    )
    alt_texts: list[str] = Field(
        default_factory=list,
        description=(
            "Alt text for each media item, in the order of the media (use an empty string for "
            "none); when given, one entry per media item."
        ),
    )


class YouTubeOptions(CommentableOptions):
    """Options of a YouTube video upload."""

    # docs/reference/platforms.md §9, snippet and status of videos.insert

    post_type: Literal["video", "short"] | None = Field(
        default=None,
        description=(
            "video, or short (a vertical or square video up to 3 minutes; #Shorts is added to "
            "the description when missing); omitted, video."
        ),
    )
    title: NonBlankText = Field(description="The video title: 1-100 characters, no < or >.")
    description: str | None = Field(
        default=None,
        description=(
            "The video description (at most 5,000 UTF-8 bytes, no < or >); omitted, the post "
            "text is used."
        ),
    )
    privacy_status: Literal["public", "unlisted", "private"] = Field(
        default="public",
        description=(
            "public, unlisted or private (videos from unaudited API projects are forced private)."
        ),
    )
    tags: list[NonBlankText] = Field(
        default_factory=list, description="Keywords; at most 500 characters all together."
    )
    category_id: NumericId | None = Field(
        default=None, description="Video category id valid in the channel's region (22 = People)."
    )
    made_for_kids: bool = Field(default=False, description="The video is made for children.")
    notify_subscribers: bool = Field(
        default=True, description="Notify the channel's subscribers about the upload."
    )


class PinterestOptions(PlatformOptions):
    """Options of a Pinterest pin (Pinterest's API cannot add comments)."""

    # docs/reference/platforms.md §10, body of POST /v5/pins

    board_id: NumericId = Field(
        description=(
            "The board to pin to; list boards with GET /api/v1/accounts/{id}/subaccounts."
        ),
    )
    title: NonBlankText | None = Field(default=None, description="Pin title, up to 100 characters.")
    link: WebUrl | None = Field(
        default=None, description="Destination URL opened from the pin, up to 2,048 characters."
    )
    alt_text: str | None = Field(default=None, description="Alt text, up to 500 characters.")
    cover_image_url: WebUrl | None = Field(
        default=None,
        description="Video pins only: cover image URL; omitted, a key frame is used.",
    )
