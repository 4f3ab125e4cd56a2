"""Capabilities rows, options models and the public catalog agents read."""

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.catalog import COUNTING_METHODS, public_capabilities
from lowtato.platforms.names import PLATFORMS, Platform
from lowtato.platforms.options import CommentableOptions
from lowtato.platforms.text import TextCounting

ALL = [CAPABILITIES[Platform(name)] for name in PLATFORMS]


def _ids(caps: Capabilities) -> str:
    return caps.platform.value


def test_platforms_are_the_nine_in_the_documented_order() -> None:
    assert PLATFORMS == (
        "twitter",
        "instagram",
        "linkedin",
        "tiktok",
        "facebook",
        "threads",
        "bluesky",
        "youtube",
        "pinterest",
    )
    assert [caps.platform.value for caps in CAPABILITIES.values()] == list(PLATFORMS)


@pytest.mark.parametrize(
    ("platform", "limit", "counting", "max_bytes"),
    [
        ("twitter", 280, TextCounting.TWITTER_WEIGHTED, None),
        ("instagram", 2200, TextCounting.CHARACTERS, None),
        ("linkedin", 3000, TextCounting.CHARACTERS, None),
        ("tiktok", 2200, TextCounting.CHARACTERS, None),
        ("facebook", 63_206, TextCounting.CHARACTERS, None),
        ("threads", 500, TextCounting.CHARACTERS_EMOJI_BYTES, None),
        ("bluesky", 300, TextCounting.GRAPHEMES, 3000),
        ("youtube", 5000, TextCounting.UTF8_BYTES, None),
        ("pinterest", 800, TextCounting.CHARACTERS, None),
    ],
)
def test_text_limits_follow_the_reference(
    platform: str, limit: int, counting: TextCounting, max_bytes: int | None
) -> None:
    caps = CAPABILITIES[Platform(platform)]
    assert caps.text_limit == limit
    assert caps.text_counting is counting
    assert caps.text_max_bytes == max_bytes
    assert caps.text_required is False


@pytest.mark.parametrize(
    ("platform", "min_media", "max_images", "max_videos", "mixed"),
    [
        ("twitter", 0, 4, 1, False),
        ("instagram", 1, 10, 10, True),
        ("linkedin", 0, 20, 1, False),
        ("tiktok", 1, 35, 1, False),
        ("facebook", 0, None, 1, False),
        ("threads", 0, 20, 20, True),
        ("bluesky", 0, 4, 1, False),
        ("youtube", 1, 0, 1, False),
        ("pinterest", 1, 5, 1, False),
    ],
)
def test_media_counts_follow_the_reference(
    platform: str, min_media: int, max_images: int | None, max_videos: int, mixed: bool
) -> None:
    caps = CAPABILITIES[Platform(platform)]
    assert (caps.min_media, caps.max_images, caps.max_videos) == (min_media, max_images, max_videos)
    assert caps.allow_mixed is mixed


def test_post_types() -> None:
    names = {caps.platform.value: [item.name for item in caps.post_types] for caps in ALL}
    assert names["instagram"] == ["feed", "reel", "carousel", "story"]
    assert names["facebook"] == ["feed", "reel", "story"]
    assert names["tiktok"] == ["video", "photo"]
    assert names["threads"] == ["text", "image", "video", "carousel"]
    story = CAPABILITIES[Platform.INSTAGRAM].post_type("story")
    assert story is not None
    assert story.text_allowed is False
    assert story.video_max_seconds == 60
    photo = CAPABILITIES[Platform.TIKTOK].post_type("photo")
    assert photo is not None
    assert photo.text is not None
    assert photo.text.max_length == 4000


@pytest.mark.parametrize(
    ("platform", "required"),
    [
        ("twitter", ()),
        ("instagram", ()),
        ("linkedin", ()),
        ("tiktok", ("privacy_level",)),
        ("facebook", ()),
        ("threads", ()),
        ("bluesky", ()),
        ("youtube", ("title",)),
        ("pinterest", ("board_id",)),
    ],
)
def test_required_options(platform: str, required: tuple[str, ...]) -> None:
    assert CAPABILITIES[Platform(platform)].required_options == required


@pytest.mark.parametrize("caps", ALL, ids=_ids)
def test_first_comment_option_exists_exactly_where_the_api_can_comment(
    caps: Capabilities,
) -> None:
    has_option = "first_comment" in caps.options_model.model_fields
    assert has_option is caps.first_comment
    assert issubclass(caps.options_model, CommentableOptions) is caps.first_comment


def test_tiktok_and_pinterest_take_no_first_comment() -> None:
    without = [caps.platform.value for caps in ALL if not caps.first_comment]
    assert without == ["tiktok", "pinterest"]


@pytest.mark.parametrize("caps", ALL, ids=_ids)
def test_every_option_named_in_the_data_exists_in_the_options_model(caps: Capabilities) -> None:
    fields = caps.options_model.model_fields
    named = [text_field.option for text_field in caps.text_fields]
    named += [*caps.content_options, *caps.per_media_options]
    named += [option for item in caps.post_types for option in item.disallowed_options]
    assert [option for option in named if option not in fields] == []


@pytest.mark.parametrize("caps", ALL, ids=_ids)
def test_post_types_are_consistent(caps: Capabilities) -> None:
    for item in caps.post_types:
        capacity = item.capacity
        assert capacity is None or item.min_media <= capacity
        assert item.max_images != 0 or item.max_videos > 0 or capacity == 0
    assert len({item.name for item in caps.post_types}) == len(caps.post_types)


@pytest.mark.parametrize(
    ("platform", "values", "url"),
    [
        ("twitter", {"username": "jack", "id": "20"}, "https://x.com/jack/status/20"),
        ("youtube", {"id": "abc"}, "https://www.youtube.com/watch?v=abc"),
        ("pinterest", {"id": "99"}, "https://www.pinterest.com/pin/99/"),
        (
            "bluesky",
            {"handle": "a.bsky.social", "rkey": "3k"},
            "https://bsky.app/profile/a.bsky.social/post/3k",
        ),
        ("tiktok", {"username": "u", "id": "7"}, "https://www.tiktok.com/@u/video/7"),
    ],
)
def test_public_url_templates(platform: str, values: dict[str, str], url: str) -> None:
    assert CAPABILITIES[Platform(platform)].public_url.format(**values) == url


def test_rate_caps_named_by_the_reference_are_recorded() -> None:
    threads = {(cap.action, cap.limit, cap.window_seconds) for cap in ALL[5].rate_limits}
    assert ("published posts", 250, 86400) in threads
    twitter = {(cap.action, cap.limit, cap.per) for cap in ALL[0].rate_limits}
    assert ("POST /2/tweets", 10_000, "app") in twitter
    assert ("POST /2/tweets", 100, "user") in twitter


def test_media_formats_spot_checks() -> None:
    twitter = CAPABILITIES[Platform.TWITTER].media
    assert twitter.max_image_bytes == 5 * 1024 * 1024
    assert twitter.max_gif_bytes == 15 * 1024 * 1024
    assert twitter.gif_as_video is True
    assert "image/png" not in CAPABILITIES[Platform.TIKTOK].media.image_mime_types
    assert CAPABILITIES[Platform.BLUESKY].media.max_image_bytes == 1_000_000
    assert CAPABILITIES[Platform.YOUTUBE].media.video_mime_types == ("video/*",)
    pinterest = CAPABILITIES[Platform.PINTEREST].media
    assert (pinterest.video_min_seconds, pinterest.video_max_seconds) == (4, 900)


class TestCatalog:
    def test_is_json_ready_and_in_platform_order(self) -> None:
        catalog = public_capabilities()
        assert [entry["platform"] for entry in catalog] == list(PLATFORMS)
        assert json.loads(json.dumps(catalog)) == catalog

    def test_is_deterministic(self) -> None:
        first = json.dumps(public_capabilities(), sort_keys=False)
        assert json.dumps(public_capabilities(), sort_keys=False) == first

    def test_describes_limits_counting_and_required_options(self) -> None:
        entries = {entry["platform"]: entry for entry in public_capabilities()}
        bluesky = entries["bluesky"]
        assert bluesky["text"]["max_length"] == 300
        assert bluesky["text"]["counting"] == "graphemes"
        assert bluesky["text"]["max_bytes"] == 3000
        assert bluesky["text"]["counting_description"] == COUNTING_METHODS["graphemes"]
        pinterest = entries["pinterest"]
        assert pinterest["required_options"] == ["board_id"]
        assert pinterest["options_schema"]["required"] == ["board_id"]
        assert pinterest["options_schema"]["additionalProperties"] is False
        assert pinterest["media"]["min_media"] == 1
        assert pinterest["first_comment"] is False
        assert entries["youtube"]["text_options"][0] == {
            "field": "options.title",
            "measured": "the value",
            "max_length": 100,
            "counting": "characters",
            "counting_description": "Unicode code points.",
            "max_bytes": None,
            "forbidden_characters": ["<", ">"],
            "max_hashtags": None,
            "max_mentions": None,
            "max_cashtags": None,
            "note": None,
        }

    def test_options_schema_lists_the_allowed_values(self) -> None:
        entries = {entry["platform"]: entry for entry in public_capabilities()}
        schema: dict[str, Any] = entries["tiktok"]["options_schema"]
        assert schema["properties"]["privacy_level"]["enum"] == [
            "PUBLIC_TO_EVERYONE",
            "MUTUAL_FOLLOW_FRIENDS",
            "FOLLOWER_OF_CREATOR",
            "SELF_ONLY",
        ]
        post_types = {item["name"]: item for item in entries["instagram"]["post_types"]}
        assert post_types["carousel"]["max_media"] == 10
        assert post_types["story"]["text_allowed"] is False
        assert post_types["story"]["not_published"] is None

    def test_what_lowtato_does_not_publish_is_listed(self) -> None:
        entries = {entry["platform"]: entry for entry in public_capabilities()}
        facebook = entries["facebook"]
        post_types = {item["name"]: item for item in facebook["post_types"]}
        assert "not published by Lowtato" in post_types["story"]["not_published"]
        assert post_types["feed"]["not_published"] is None
        assert facebook["subaccount_required"] is True
        assert facebook["options_excluding_media"] == ["link"]
        assert entries["linkedin"]["subaccount_required"] is False

    def test_every_counting_method_is_explained(self) -> None:
        assert set(COUNTING_METHODS) == {item.value for item in TextCounting}


def test_connect_method_and_refresh_margin_are_capability_data() -> None:
    """Only Bluesky connects without an OAuth code flow; its advice says how instead. Every
    refresh margin leaves the periodic refresh job (every 5 minutes) room for retries."""
    no_link = {p.value for p, caps in CAPABILITIES.items() if caps.connect != "oauth_code"}
    assert no_link == {"bluesky"}
    assert "app password" in CAPABILITIES[Platform.BLUESKY].connect_advice
    assert all(
        caps.connect_advice == "" for caps in CAPABILITIES.values() if caps.connect == "oauth_code"
    )
    margins = {p.value: caps.token_refresh_margin for p, caps in CAPABILITIES.items()}
    assert margins["youtube"] == timedelta(minutes=20)  # 1 h tokens
    assert margins["linkedin"] == timedelta(days=7)  # 60 days
    assert min(margins.values()) > timedelta(minutes=15)


async def test_the_platform_list_says_how_each_platform_connects(
    client: httpx.AsyncClient,
) -> None:
    listed = await client.get("/api/v1/platforms")
    assert listed.status_code == 200
    connect = {entry["platform"]: entry["connect"] for entry in listed.json()["platforms"]}
    assert connect == {p: "app_password" if p == "bluesky" else "oauth_code" for p in PLATFORMS}
