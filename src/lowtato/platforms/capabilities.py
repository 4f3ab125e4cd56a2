"""What each platform accepts, as data.

One `Capabilities` row per platform holds the text limit and how it is counted, the post types
with their media counts, accepted media formats, limits of text options, the options model, the
public URL template and the rate/posting caps the reference names. Every number comes from
`docs/reference/platforms.md`; the comment next to it names the section and the reference's source
tag ([V] verified, [P] production code, [S] secondary, [U] unverified). Validation, the catalog
served to agents and the sandbox all read these rows, so a limit changes in one place.

"MB" in the reference is read as MiB (1,048,576 bytes): the larger reading, so a file the
platform takes is never refused here; Bluesky gives exact byte counts and keeps them.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from lowtato.platforms.names import Platform
from lowtato.platforms.options import (
    BlueskyOptions,
    FacebookOptions,
    InstagramOptions,
    LinkedInOptions,
    PinterestOptions,
    PlatformOptions,
    ThreadsOptions,
    TikTokOptions,
    TwitterOptions,
    YouTubeOptions,
)
from lowtato.platforms.text import TextCounting
from lowtato.platforms.x_text import X_INVALID_CHARACTERS

_MB = 1024 * 1024
_GB = 1024 * _MB
_MINUTE = 60
_HOUR = 3600
_DAY = 86400


@dataclass(frozen=True, slots=True)
class TextRule:
    """Limits of one text (the post text or a text option)."""

    max_length: int
    counting: TextCounting = TextCounting.CHARACTERS
    max_bytes: int | None = None
    """A second cap on the UTF-8 size, checked independently (Bluesky)."""
    forbidden_characters: str = ""
    max_hashtags: int | None = None
    max_mentions: int | None = None
    max_cashtags: int | None = None
    note: str = ""
    """Appended to over-length messages to explain the counting, e.g. "URLs count as 23"."""


@dataclass(frozen=True, slots=True)
class TextField:
    """A text option and its limits.

    `list_mode` says how a list option is measured: `each` item on its own (X thread items) or
    all items `joined` the way YouTube counts tags (comma-separated, a tag with a space quoted).
    """

    option: str
    rule: TextRule
    list_mode: Literal["value", "each", "joined"] = "value"


@dataclass(frozen=True, slots=True)
class MediaRules:
    """Accepted media formats and sizes of a platform (counts live on `PostType`).

    MIME types may end in `/*` to accept a whole family. `None` means the reference gives no
    limit. With `gif_as_video` (X) an image/gif takes the single video slot instead of an image
    slot and is capped by `max_gif_bytes`.
    """

    image_mime_types: tuple[str, ...]
    video_mime_types: tuple[str, ...]
    max_image_bytes: int | None
    max_video_bytes: int | None
    video_min_seconds: float | None = None
    video_max_seconds: float | None = None
    gif_as_video: bool = False
    max_gif_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class PostType:
    """One kind of post a platform publishes, with its media counts.

    `max_images=None` means no documented cap. `max_items` caps images and videos together;
    left `None` it is their sum when mixing is allowed, else the larger of the two. `text` and
    the `max_*`/`video_*` fields override the platform's values for this post type only.
    `disallowed_options` are options the platform ignores or refuses for this post type.
    """

    name: str
    summary: str
    min_media: int
    max_images: int | None
    max_videos: int
    max_items: int | None = None
    allow_mixed: bool = False
    text_allowed: bool = True
    text: TextRule | None = None
    max_image_bytes: int | None = None
    max_video_bytes: int | None = None
    video_min_seconds: float | None = None
    video_max_seconds: float | None = None
    disallowed_options: tuple[str, ...] = ()
    refused: str = ""
    """Why Lowtato does not publish this post type to the platform ("" when it does)."""

    @property
    def capacity(self) -> int | None:
        """The most media items one post of this type holds (`None`: no documented cap)."""
        if self.max_items is not None:
            return self.max_items
        if self.max_images is None:
            return None
        if self.allow_mixed:
            return self.max_images + self.max_videos
        return max(self.max_images, self.max_videos)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """An informational rate or posting cap named by the reference (not enforced here)."""

    action: str
    limit: int
    window_seconds: int
    per: str
    note: str = ""


ConnectMethod = Literal["oauth_code", "app_password"]
"""How an account connects: through an OAuth authorization-code flow (a connect link), or by
sending its app password to ``POST /api/v1/accounts/connect``."""


@dataclass(frozen=True, slots=True)
class Capabilities:
    """Everything Lowtato knows about posting to one platform.

    `post_types` are listed in the order used to pick one when the options do not name it: the
    first whose media counts fit the post. `content_options` are options that make a post
    non-empty without text or media (a Facebook link). `per_media_options` are list options that
    need one entry per media item. `public_url` is a `str.format` template.
    """

    platform: Platform
    display_name: str
    section: str
    text: TextRule
    text_required: bool
    post_types: tuple[PostType, ...]
    media: MediaRules
    options_model: type[PlatformOptions]
    public_url: str
    first_comment: bool
    text_fields: tuple[TextField, ...] = ()
    content_options: tuple[str, ...] = ()
    per_media_options: tuple[str, ...] = ()
    rate_limits: tuple[RateLimit, ...] = ()
    notes: tuple[str, ...] = ()
    target_required: str = ""
    """When set, posts must target a subaccount (a Facebook Page); this is the advice."""
    media_exclusive_options: tuple[str, ...] = ()
    """Options a post cannot combine with media (a Facebook link preview)."""
    keyed_create: bool = False
    """The client chooses the new post's key (a Bluesky record key): a second create of one
    post is refused instead of making a duplicate, and a lookup by that key is exact at once."""
    connect: ConnectMethod = "oauth_code"
    connect_advice: str = ""
    """How to connect instead, told to whoever asks for a connect link when `connect` is not
    `oauth_code`."""
    media_by_url: bool = False
    """The platform downloads each media file from its URL itself (Instagram's crawler), so
    media must be on public URLs: connecting warns when LOWTATO_PUBLIC_URL is private."""
    token_refresh_margin: timedelta = timedelta(minutes=30)
    """How long before the access token expires the periodic job refreshes it: a good part of
    the token's lifetime, and more than the job's interval plus a few retries."""

    @property
    def text_limit(self) -> int:
        """Maximum length of the post text, in `text_counting` units."""
        return self.text.max_length

    @property
    def text_counting(self) -> TextCounting:
        """How the post text is counted."""
        return self.text.counting

    @property
    def text_max_bytes(self) -> int | None:
        """Secondary UTF-8 byte cap on the post text, if any."""
        return self.text.max_bytes

    @property
    def min_media(self) -> int:
        """Fewest media items any post type accepts."""
        return min(post_type.min_media for post_type in self.post_types)

    @property
    def max_images(self) -> int | None:
        """Most images any post type accepts (`None`: no documented cap)."""
        counts = [post_type.max_images for post_type in self.post_types]
        return None if None in counts else max(count or 0 for count in counts)

    @property
    def max_videos(self) -> int:
        """Most videos any post type accepts."""
        return max(post_type.max_videos for post_type in self.post_types)

    @property
    def allow_mixed(self) -> bool:
        """Whether some post type takes images and videos together."""
        return any(post_type.allow_mixed for post_type in self.post_types)

    @property
    def required_options(self) -> tuple[str, ...]:
        """Option keys a post must set."""
        fields = self.options_model.model_fields
        return tuple(name for name, info in fields.items() if info.is_required())

    def post_type(self, name: str) -> PostType | None:
        """The post type called `name`, or `None`."""
        return next((item for item in self.post_types if item.name == name), None)


_X_TEXT = TextRule(
    280,
    TextCounting.TWITTER_WEIGHTED,
    forbidden_characters=X_INVALID_CHARACTERS,
    max_cashtags=1,
    note="URLs count as 23",
)  # §2 Limits [V]: twitter-text v3 (its invalid characters); [P]: "maximum of one cashtag"
_INSTAGRAM_TEXT = TextRule(2200, max_hashtags=30, max_mentions=20)  # §3 Limits [S/U]
_THREADS_TEXT = TextRule(
    500,
    TextCounting.CHARACTERS_EMOJI_BYTES,
    note="each emoji counts as its UTF-8 byte length",
)  # §7 Limits [V/P]
_BLUESKY_TEXT = TextRule(300, TextCounting.GRAPHEMES, max_bytes=3000)  # §8 Text limits [V]
_YOUTUBE_DESCRIPTION = TextRule(
    5000, TextCounting.UTF8_BYTES, forbidden_characters="<>"
)  # §9 Limits [S/P]: description ≤5,000 bytes, no < or >

_TWITTER = Capabilities(
    platform=Platform.TWITTER,
    display_name="X (Twitter)",
    section="§2",
    text=_X_TEXT,
    text_required=False,  # §2 Publishing: text may be empty only when media is attached
    post_types=(
        # §1, §2 Publishing [V]: ≤4 images, or 1 GIF, or 1 video; never mixed (§12 X fake)
        PostType("post", "text with up to 4 images, or 1 GIF, or 1 video", 0, 4, 1),
    ),
    media=MediaRules(
        # §2 Media upload [V]: the media_type enum of initialize
        image_mime_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        video_mime_types=("video/mp4", "video/quicktime", "video/webm"),
        max_image_bytes=5 * _MB,  # §2 Limits [V]: images ≤5 MB
        max_video_bytes=8 * _GB,  # §2 Limits [V]: ≤8 GB default (16 GB Premium)
        video_min_seconds=0.5,  # §2 Limits [V]: 0.5 s-20 min (125 min Premium)
        video_max_seconds=20 * _MINUTE,
        gif_as_video=True,  # §2 Limits [V]: "or 1 GIF"
        max_gif_bytes=15 * _MB,  # §2 Limits [V]: animated GIF ≤15 MB
    ),
    options_model=TwitterOptions,
    text_fields=(TextField("thread", _X_TEXT, "each"), TextField("first_comment", _X_TEXT)),
    public_url="https://x.com/{username}/status/{id}",  # §2 Base URLs [P]
    token_refresh_margin=timedelta(minutes=30),  # 2 h access tokens
    first_comment=True,  # §2 Publishing [V/P]: a reply with reply.in_reply_to_tweet_id
    rate_limits=(  # §2 Rate limits [V]; read x-rate-limit-* headers rather than these
        RateLimit("POST /2/tweets", 100, 15 * _MINUTE, "user"),
        RateLimit("POST /2/tweets", 10_000, _DAY, "app"),
        RateLimit("DELETE /2/tweets/:id", 50, 15 * _MINUTE, "user"),
        RateLimit("POST /2/media/upload", 500, 15 * _MINUTE, "user"),
        RateLimit("media upload initialize/append/finalize", 1875, 15 * _MINUTE, "user"),
        RateLimit("GET /2/media/upload (STATUS)", 1000, 15 * _MINUTE, "user"),
        RateLimit("GET /2/users/me", 75, 15 * _MINUTE, "user"),
    ),
    notes=(
        "Premium accounts may post longer text (4,000 per Postiz, 25,000 per other sources); "
        "the 280 limit here is the default.",
        "Premium/verified accounts may upload videos up to 125 min / 16 GB; older limits of "
        "140 s / 512 MB still apply to some accounts.",
    ),
)

_INSTAGRAM = Capabilities(
    platform=Platform.INSTAGRAM,
    display_name="Instagram",
    section="§3",
    text=_INSTAGRAM_TEXT,
    text_required=False,
    post_types=(
        # §3 Publishing [V/P]; "Text-only posts are impossible: ≥1 media required" [P]
        PostType("feed", "1 image", 1, 1, 0, disallowed_options=("share_to_feed",)),
        # §3 Publishing [V]: single feed videos are published as reels since July 2023
        PostType("reel", "1 video", 1, 0, 1),
        PostType(  # §3 Limits [P]: carousel 2-10 items; collaborators not for carousels [P]
            "carousel",
            "2-10 images or videos",
            2,
            10,
            10,
            max_items=10,
            allow_mixed=True,
            disallowed_options=("share_to_feed", "collaborators"),
        ),
        PostType(  # §3 Publishing [V/P]: one media, no caption; Limits [U]: video 3-60 s, ≤100 MB
            "story",
            "1 image or video, no caption",
            1,
            1,
            1,
            max_items=1,
            text_allowed=False,
            max_video_bytes=100 * _MB,
            video_min_seconds=3,
            video_max_seconds=60,
            disallowed_options=("share_to_feed", "collaborators"),
        ),
    ),
    media=MediaRules(
        # §3 Limits [S]: JPEG recommended, PNG/GIF accepted per secondary; ≤8 MB
        image_mime_types=("image/jpeg", "image/png", "image/gif"),
        video_mime_types=("video/mp4", "video/quicktime"),  # §3 Limits [S]: MOV/MP4
        max_image_bytes=8 * _MB,
        max_video_bytes=300 * _MB,  # §3 Limits [S]: reels ≤300 MB (some sources 1 GB)
        video_min_seconds=3,  # §3 Limits [S]: reels 3 s-15 min
        video_max_seconds=15 * _MINUTE,
    ),
    options_model=InstagramOptions,
    public_url="https://www.instagram.com/p/{shortcode}/",  # §3 step 4 [P]; reels use /reel/
    media_by_url=True,  # §3 Publishing: image_url / video_url, "Meta cURLs it" [V]
    token_refresh_margin=timedelta(days=7),  # 60 days
    first_comment=True,  # §3: POST /{ig-media-id}/comments [P]
    rate_limits=(  # §3 Limits [V/S]: read content_publishing_limit, don't rely on these
        RateLimit("published posts (carousel = 1)", 100, _DAY, "account", "was 25, then 50"),
        RateLimit("media containers created", 400, _DAY, "account"),
    ),
    notes=(
        "Media URLs must be fetchable by Meta's crawler (robots.txt blocks fail with 2207052).",
        "Images should have an aspect ratio between 4:5 and 1.91:1 and a width of 320-1440 px.",
    ),
)

_LINKEDIN = Capabilities(
    platform=Platform.LINKEDIN,
    display_name="LinkedIn",
    section="§4",
    text=TextRule(3000),  # §4 Limits [P/S]: commentary 3,000 chars
    text_required=False,
    post_types=(
        # §4 Create post [V/P]: text-only, 1 image, multiImage 2-20, or 1 video; no mixing [P]
        PostType("post", "text with up to 20 images or 1 video", 0, 20, 1),
    ),
    media=MediaRules(
        image_mime_types=("image/jpeg", "image/png", "image/gif"),  # §4 Limits [S]: JPG/PNG/GIF
        video_mime_types=("video/mp4",),  # §4 Limits [S]: MP4
        max_image_bytes=5 * _MB,  # §4 Limits [S]: ~5 MB
        max_video_bytes=500 * _MB,  # §4 Limits [S]: 75 KB-500 MB
        video_min_seconds=3,  # §4 Limits [S]: 3 s-30 min
        video_max_seconds=30 * _MINUTE,
    ),
    options_model=LinkedInOptions,
    public_url="https://www.linkedin.com/feed/update/{urn}/",  # §4 Create post [P]
    token_refresh_margin=timedelta(days=7),  # 60 days
    first_comment=True,  # §4: POST /rest/socialActions/{urn}/comments [P]
    rate_limits=(RateLimit("posts", 150, _DAY, "member", "approximate [S]"),),  # §4 Limits
    notes=("Images must have fewer than 36,152,320 pixels.",),  # §4 Limits [S]
)

_TIKTOK = Capabilities(
    platform=Platform.TIKTOK,
    display_name="TikTok",
    section="§5",
    text=TextRule(2200),  # §5 Video limits [S]: caption/title ≤2,200 chars
    text_required=False,
    post_types=(
        # §5 Photos [V/P]: "Text-only posts are impossible; no mixing photos and video"
        PostType("video", "1 video", 1, 0, 1, disallowed_options=("title",)),
        PostType(  # §5 Photos [S]: up to 35 images; description ≤4,000 (title is an option)
            "photo",
            "1-35 photos",
            1,
            35,
            0,
            text=TextRule(4000),
            disallowed_options=("disable_duet", "disable_stitch", "video_source"),
        ),
    ),
    media=MediaRules(
        image_mime_types=("image/jpeg", "image/webp"),  # §5 Photos [S]: JPEG/WEBP (no PNG)
        video_mime_types=("video/mp4", "video/quicktime", "video/webm"),  # §5 Video limits [S]
        max_image_bytes=20 * _MB,  # §5 Photos [S]: ≤20 MB
        max_video_bytes=4 * _GB,  # §5 Video limits [S]: ≤4 GB
        video_min_seconds=3,  # §5 Video limits [S]: 3 s to max_video_post_duration_sec
        video_max_seconds=10 * _MINUTE,  # "(often 600 s)"; creator_info has the real value
    ),
    options_model=TikTokOptions,
    text_fields=(TextField("title", TextRule(90)),),  # §5 Photos [V/P]: photo title ≤90
    public_url="https://www.tiktok.com/@{username}/video/{id}",  # §5 Status polling [P]
    # §5 Auth: 2 h access tokens since Nov 2026 (24 h before); the refresh rotates.
    token_refresh_margin=timedelta(minutes=30),
    first_comment=False,  # §5 names no comment endpoint
    rate_limits=(  # §5 Rate limits [V]; daily posting caps are unpublished [S]
        RateLimit("post init (video/init, content/init)", 6, _MINUTE, "token"),
        RateLimit("publish/status/fetch", 30, _MINUTE, "token"),
        RateLimit("creator_info/query", 20, _MINUTE, "token"),
        RateLimit("user/info, video/query, video/list", 600, _MINUTE, "token"),
        RateLimit("pending inbox shares", 5, _DAY, "user"),
    ),
    notes=(
        "privacy_level must be one of the creator's privacy_level_options "
        "(creator_info); unaudited apps can only post SELF_ONLY.",
        "Photos are pulled from URLs on a verified domain; videos from URLs need a verified "
        "URL prefix, otherwise they are uploaded.",
        "Public posts get an id only after moderation; posts cannot be deleted via the API.",
    ),
)

_FACEBOOK = Capabilities(
    platform=Platform.FACEBOOK,
    display_name="Facebook Page",
    section="§6",
    text=TextRule(63_206),  # §6 Limits [P]: ≈63,206 chars
    text_required=False,
    post_types=(
        # §6 Publishing [P]: /feed with message/link, multi-photo attached_media, or /videos
        PostType("feed", "text, a link, photos or 1 video", 0, None, 1),
        PostType(  # §6 Publishing [V]: reels 3-90 s
            "reel",
            "1 video of 3-90 s",
            1,
            0,
            1,
            video_min_seconds=3,
            video_max_seconds=90,
            disallowed_options=("link",),
        ),
        PostType(  # §6 Publishing [P/V]: photo_stories / video_stories; §6 Limits: stories ≤10 MB
            "story",
            "1 photo or video, no text",
            1,
            1,
            1,
            max_items=1,
            text_allowed=False,
            max_image_bytes=10 * _MB,
            disallowed_options=("link",),
            # A story has no text: after a lost answer nothing tells ours among the Page's
            # stories, so reconciliation could not promise "never twice" (photo stories
            # cannot be deleted through the API either).
            refused=(
                "Facebook stories are not published by Lowtato: a story has no text, so a lost "
                "answer could not be checked without risking a second story. Publish it as a "
                "feed post or a reel."
            ),
        ),
    ),
    media=MediaRules(
        image_mime_types=("image/jpeg", "image/png"),  # §6 Limits [P/V]: JPG/PNG
        video_mime_types=("video/mp4",),  # §6 Publishing [V]: file_type=video/mp4
        max_image_bytes=4 * _MB,  # §6 Limits [P/V]: error 1366046 says <4 MB
        max_video_bytes=None,
    ),
    options_model=FacebookOptions,
    content_options=("link",),  # §12 Facebook fake: `message` or `attached_media`/`link`
    media_exclusive_options=("link",),  # a Page post shows a link preview or media, not both
    target_required=(
        "Facebook posts go to a Page: create the post with subaccountId set to one of the "
        "Pages listed by GET /api/v1/accounts/{id}/subaccounts."
    ),
    # §6 Publishing [P]: permalink_url is authoritative; this form opens "{page}_{post}" ids
    public_url="https://www.facebook.com/{id}",
    token_refresh_margin=timedelta(days=7),  # long-lived user token, about 60 days
    first_comment=True,  # §6: POST /{post-id}/comments [P]
    rate_limits=(
        RateLimit("API reels", 30, _DAY, "page"),  # §6 Publishing [V]
        RateLimit("calls", 200, _HOUR, "app", "times daily active users"),  # §6 Rate limits
        RateLimit("calls (Pages BUC)", 4800, _DAY, "page", "times engaged users"),
    ),
)

_THREADS = Capabilities(
    platform=Platform.THREADS,
    display_name="Threads",
    section="§7",
    text=_THREADS_TEXT,
    text_required=False,
    post_types=(
        # §7 Publishing [V]: media_type TEXT | IMAGE | VIDEO | CAROUSEL; §7 Limits [S]: 2-20
        PostType("text", "text only", 0, 0, 0),
        PostType("image", "1 image", 1, 1, 0),
        PostType("video", "1 video", 1, 0, 1),
        PostType("carousel", "2-20 images or videos", 2, 20, 20, max_items=20, allow_mixed=True),
    ),
    media=MediaRules(
        image_mime_types=("image/jpeg", "image/png"),  # §7 Limits [S]: JPEG/PNG ≤8 MB
        video_mime_types=("video/mp4", "video/quicktime"),  # §7 Limits [S]: MOV/MP4
        max_image_bytes=8 * _MB,
        max_video_bytes=1 * _GB,  # §7 Limits [S]: ≤5 min, ≤1 GB
        video_max_seconds=5 * _MINUTE,
    ),
    options_model=ThreadsOptions,
    # A reply is a post: thread items (§7 "Thread/reply chain" [P]) and the first comment.
    text_fields=(
        TextField("thread", _THREADS_TEXT, "each"),
        TextField("first_comment", _THREADS_TEXT),
    ),
    public_url="https://www.threads.net/@{username}/post/{shortcode}",  # §7 step 4 [P]
    token_refresh_margin=timedelta(days=7),  # 60 days
    first_comment=True,  # §7: a reply container with reply_to_id [P]
    rate_limits=(  # §7 Limits [V]; read threads_publishing_limit
        RateLimit("published posts", 250, _DAY, "profile"),
        RateLimit("replies", 1000, _DAY, "profile"),
        RateLimit("deletes", 100, _DAY, "account"),  # §7 Delete [V]
        RateLimit("API calls", 4800, _DAY, "app user", "times impressions (minimum 10)"),
    ),
    notes=("The first URL in the text becomes the link preview.",),
)

_BLUESKY = Capabilities(
    platform=Platform.BLUESKY,
    display_name="Bluesky",
    section="§8",
    text=_BLUESKY_TEXT,
    text_required=False,
    post_types=(
        # §8 Images [V]: max 4 images; §8 Video [S]: 1 video per post; one embed per record
        PostType("post", "text with up to 4 images or 1 video", 0, 4, 1),
    ),
    media=MediaRules(
        image_mime_types=("image/*",),  # §8 Images [V]: uploadBlob with the real Content-Type
        video_mime_types=("video/mp4",),  # §8 Video [V/P]: mp4 only
        max_image_bytes=1_000_000,  # §8 Images [V]: default 1,000,000 (2026 lexicon: 2,000,000)
        max_video_bytes=100_000_000,  # §8 Video [V/P]: 100 MB (2026 lexicon: 300 MB)
        video_max_seconds=3 * _MINUTE,  # §8 Video [S]: 3 min (up to 10 min in 2026)
    ),
    options_model=BlueskyOptions,
    text_fields=(TextField("first_comment", _BLUESKY_TEXT),),  # a reply is a post
    per_media_options=("alt_texts",),
    public_url="https://bsky.app/profile/{handle}/post/{rkey}",  # §8 Create a post [P]
    first_comment=True,  # §8: a reply record with reply.root/parent [V]
    keyed_create=True,  # createRecord takes an rkey (a TID for posts); a taken key is refused
    connect="app_password",  # no OAuth code flow: a handle and an app password
    connect_advice=(
        "Bluesky connects with an app password, not a link: POST /api/v1/accounts/connect "
        '{"platform": "bluesky", "platform_username": "<handle>", "access_token": '
        '"<app password>", "service_url": "<PDS URL, optional>"}'
    ),
    rate_limits=(  # §8 Rate limits [V]
        RateLimit("repo write points (create = 3)", 5000, _HOUR, "account"),
        RateLimit("repo write points (create = 3)", 35_000, _DAY, "account"),
        RateLimit("requests", 3000, 5 * _MINUTE, "IP"),
        RateLimit("createSession", 30, 5 * _MINUTE, "identifier and IP"),
        RateLimit("createSession", 300, _DAY, "identifier and IP"),
    ),
    notes=(
        "Links and mentions need facets; byte offsets are computed on the UTF-8 text.",
        "Uploading video needs a verified e-mail address.",
    ),
)

_YOUTUBE = Capabilities(
    platform=Platform.YOUTUBE,
    display_name="YouTube",
    section="§9",
    # The post text is the video description unless options.description is set.
    text=_YOUTUBE_DESCRIPTION,
    text_required=False,
    post_types=(
        PostType("video", "exactly 1 video", 1, 0, 1),  # §9 videos.insert
        # §9 Shorts [S/U]: no API flag; vertical or square and at most 3 minutes
        PostType(
            "short",
            "1 vertical or square video up to 3 minutes",
            1,
            0,
            1,
            video_max_seconds=3 * _MINUTE,
        ),
    ),
    media=MediaRules(
        image_mime_types=(),
        video_mime_types=("video/*",),  # §9 Resumable upload [V]: X-Upload-Content-Type video/*
        max_image_bytes=None,
        max_video_bytes=256 * _GB,  # §9 Limits [V]: file ≤256 GB
    ),
    options_model=YouTubeOptions,
    text_fields=(
        TextField("title", TextRule(100, forbidden_characters="<>")),  # §9 Limits [S/P]
        TextField("description", _YOUTUBE_DESCRIPTION),  # §9 Limits [S/P]
        TextField("tags", TextRule(500), "joined"),  # §9 Limits [S/P]: ≤500 chars total
    ),
    public_url="https://www.youtube.com/watch?v={id}",  # §9 Resumable upload
    token_refresh_margin=timedelta(minutes=20),  # 1 h
    first_comment=True,  # §9 Auth [V]: youtube.force-ssl scope for comments
    rate_limits=(  # §9 Quota [V/U]
        RateLimit("quota units", 10_000, _DAY, "project", "resets at midnight Pacific"),
        RateLimit("videos.insert calls", 100, _DAY, "project", "historically 1,600 units each"),
    ),
    notes=(
        "Videos uploaded by unaudited API projects are forced to private.",
        "Videos longer than 15 minutes need a verified channel.",
        "A vertical or square video up to 3 minutes is treated as a Short.",
    ),
)

_PINTEREST = Capabilities(
    platform=Platform.PINTEREST,
    display_name="Pinterest",
    section="§10",
    text=TextRule(800),  # §10 Create pin [V]: description ≤800
    text_required=False,
    post_types=(
        # §10 Create pin [V]: image_url, multiple_image_urls (2-5) or video_id; no text-only
        PostType("pin", "1-5 images or 1 video", 1, 5, 1),
    ),
    media=MediaRules(
        image_mime_types=(  # §10 Video upload [S]: BMP/JPEG/PNG/TIFF/GIF/WEBP ≤20 MB
            "image/bmp",
            "image/jpeg",
            "image/png",
            "image/tiff",
            "image/gif",
            "image/webp",
        ),
        video_mime_types=("video/mp4", "video/quicktime", "video/x-m4v"),  # MP4/MOV/M4V [S]
        max_image_bytes=20 * _MB,
        max_video_bytes=2 * _GB,  # §10 Video upload [S]: 4 s-15 min, ≤2 GB
        video_min_seconds=4,
        video_max_seconds=15 * _MINUTE,
    ),
    options_model=PinterestOptions,
    text_fields=(  # §10 Create pin [V]
        TextField("title", TextRule(100)),
        TextField("link", TextRule(2048)),
        TextField("alt_text", TextRule(500)),
    ),
    public_url="https://www.pinterest.com/pin/{id}/",  # §10 Create pin [P]
    token_refresh_margin=timedelta(days=3),  # 30 days
    first_comment=False,  # §10 names no comment endpoint
    rate_limits=(  # §10 Rate limits [V]
        RateLimit("requests (trial access)", 1000, _DAY, "app"),
        RateLimit("requests (standard access)", 100, 1, "user per app"),
    ),
    notes=(
        "Pins from trial-access apps are visible only to their creator.",
        "Images of a multi-image pin should have identical dimensions.",
    ),
)

CAPABILITIES: dict[Platform, Capabilities] = {
    caps.platform: caps
    for caps in (
        _TWITTER,
        _INSTAGRAM,
        _LINKEDIN,
        _TIKTOK,
        _FACEBOOK,
        _THREADS,
        _BLUESKY,
        _YOUTUBE,
        _PINTEREST,
    )
}
"""Capabilities of every platform, in `PLATFORMS` order."""
