"""validate_content: limits per platform, media rules, options, and collecting every problem."""

from typing import Any

import pytest

from lowtato.platforms.options import PinterestOptions, YouTubeOptions
from lowtato.platforms.validation import MediaRef, Problem, ValidationResult, validate_content

MB = 1024 * 1024
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def image(name: str = "photo.jpg", **extra: Any) -> MediaRef:
    return MediaRef(f"https://cdn.example.com/{name}", "image", **extra)


def video(name: str = "clip.mp4", **extra: Any) -> MediaRef:
    return MediaRef(f"https://cdn.example.com/{name}", "video", **extra)


def messages(result: ValidationResult) -> list[str]:
    return [problem.message for problem in result.problems]


def fields(result: ValidationResult) -> list[str]:
    return [problem.field for problem in result.problems]


# What each platform needs besides text to be valid: media and required options.
VALID_BASE: dict[str, tuple[list[MediaRef], dict[str, Any]]] = {
    "twitter": ([], {}),
    "instagram": ([image()], {}),
    "linkedin": ([], {}),
    "tiktok": ([video()], {"privacy_level": "SELF_ONLY"}),
    "facebook": ([], {}),
    "threads": ([], {}),
    "bluesky": ([], {}),
    "youtube": ([video()], {"title": "Launch video"}),
    "pinterest": ([image()], {"board_id": "549755885175"}),
}


@pytest.mark.parametrize(
    ("platform", "limit", "message"),
    [
        ("twitter", 280, "text is 281 weighted characters; twitter allows 280 (URLs count as 23)"),
        ("instagram", 2200, "text is 2201 characters; instagram allows 2200"),
        ("linkedin", 3000, "text is 3001 characters; linkedin allows 3000"),
        ("tiktok", 2200, "text is 2201 characters; tiktok allows 2200"),
        ("facebook", 63_206, "text is 63207 characters; facebook allows 63206"),
        (
            "threads",
            500,
            "text is 501 characters; threads allows 500 (each emoji counts as its UTF-8 byte "
            "length)",
        ),
        ("bluesky", 300, "text is 301 graphemes; bluesky allows 300"),
        ("youtube", 5000, "text is 5001 UTF-8 bytes; youtube allows 5000"),
        ("pinterest", 800, "text is 801 characters; pinterest allows 800"),
    ],
)
def test_text_at_the_limit_passes_and_one_over_fails(
    platform: str, limit: int, message: str
) -> None:
    media, options = VALID_BASE[platform]
    at_limit = validate_content(platform, "a" * limit, media, options)
    assert at_limit.problems == []
    assert at_limit.ok
    over = validate_content(platform, "a" * (limit + 1), media, options)
    assert over.problems == [Problem("content.text", message)]


def test_twitter_counts_urls_as_23_and_cjk_as_2() -> None:
    text = "https://example.com/" + "x" * 100 + " " + "字" * 128  # 23 + 1 + 256
    assert validate_content("twitter", text, [], None).ok
    over = validate_content("twitter", text + "字", [], None)
    assert messages(over) == [
        "text is 282 weighted characters; twitter allows 280 (URLs count as 23)"
    ]


def test_bluesky_300_family_emoji_pass_graphemes_but_not_3000_bytes() -> None:
    result = validate_content("bluesky", FAMILY * 300, [], None)
    assert result.problems == [
        Problem("content.text", "text is 7500 UTF-8 bytes; bluesky allows 3000 bytes")
    ]
    both = validate_content("bluesky", FAMILY * 301, [], None)
    assert messages(both) == [
        "text is 301 graphemes; bluesky allows 300",
        "text is 7525 UTF-8 bytes; bluesky allows 3000 bytes",
    ]


def test_threads_counts_emoji_by_utf8_bytes() -> None:
    assert validate_content("threads", "\U0001f600" * 125, [], None).ok  # 125 x 4 = 500
    assert not validate_content("threads", "\U0001f600" * 126, [], None).ok


def test_tiktok_photo_posts_take_a_4000_character_description() -> None:
    options = {"privacy_level": "PUBLIC_TO_EVERYONE", "title": "t" * 90}
    result = validate_content("tiktok", "d" * 4000, [image(), image()], options)
    assert result.ok
    assert result.post_type == "photo"
    over = validate_content("tiktok", "d" * 4001, [image()], {**options, "title": "t" * 91})
    assert messages(over) == [
        "text is 4001 characters; tiktok allows 4000",
        "options.title is 91 characters; tiktok allows 90",
    ]


@pytest.mark.parametrize(
    ("platform", "option", "limit", "media"),
    [
        ("youtube", "title", 100, [video()]),
        ("pinterest", "title", 100, [image()]),
        ("pinterest", "alt_text", 500, [image()]),
    ],
)
def test_text_options_at_the_limit_pass_and_one_over_fails(
    platform: str, option: str, limit: int, media: list[MediaRef]
) -> None:
    options = dict(VALID_BASE[platform][1])
    options[option] = "x" * limit
    assert validate_content(platform, "", media, options).ok
    options[option] = "x" * (limit + 1)
    result = validate_content(platform, "", media, options)
    assert result.problems == [
        Problem(
            f"options.{option}",
            f"options.{option} is {limit + 1} characters; {platform} allows {limit}",
        )
    ]


def test_youtube_description_is_capped_in_bytes_and_rejects_angle_brackets() -> None:
    options = {"title": "T", "description": "é" * 2501}  # 5002 bytes
    result = validate_content("youtube", "", [video()], options)
    assert messages(result) == ["options.description is 5002 UTF-8 bytes; youtube allows 5000"]
    bracket = validate_content("youtube", "", [video()], {"title": "<b>T</b>"})
    assert messages(bracket) == [
        "options.title contains < and >; youtube does not allow < or > there, remove them"
    ]


def test_youtube_tags_are_limited_all_together() -> None:
    options = {"title": "T", "tags": ["abcd"] * 100}  # 400 + 99 commas
    assert validate_content("youtube", "", [video()], options).ok
    options["tags"] = ["ab cd"] * 80  # 80 x 7 (quoted) + 79 commas = 639
    result = validate_content("youtube", "", [video()], options)
    assert messages(result) == ["options.tags is 639 characters; youtube allows 500"]


def test_twitter_thread_items_are_validated_like_the_main_text() -> None:
    options = {"thread": ["second", "b" * 281, "c" * 280]}
    result = validate_content("twitter", "first", [], options)
    assert result.problems == [
        Problem(
            "options.thread[1]",
            "options.thread[1] is 281 weighted characters; twitter allows 280 (URLs count as 23)",
        )
    ]


def test_twitter_allows_one_cashtag() -> None:
    assert validate_content("twitter", "$AAPL is up", [], None).ok
    result = validate_content("twitter", "$AAPL and $TSLA", [], None)
    assert messages(result) == ["text has 2 cashtags; twitter allows 1"]


def test_instagram_caps_hashtags_at_30() -> None:
    tags = " ".join(f"#tag{index}" for index in range(30))
    assert validate_content("instagram", tags, [image()], None).ok
    result = validate_content("instagram", tags + " #one_more", [image()], None)
    assert messages(result) == ["text has 31 hashtags; instagram allows 30"]


class TestMediaCounts:
    def test_instagram_needs_at_least_one_image_or_video(self) -> None:
        result = validate_content("instagram", "caption", [], None)
        assert result.problems == [
            Problem("content.mediaUrls", "instagram needs at least 1 image or video")
        ]

    def test_youtube_needs_exactly_one_video(self) -> None:
        result = validate_content("youtube", "", [], {"title": "T"})
        assert messages(result) == ["youtube needs exactly 1 video"]
        two = validate_content("youtube", "", [video(), video()], {"title": "T"})
        assert messages(two) == ["youtube needs exactly 1 video for a video post; got 2"]
        picture = validate_content("youtube", "", [image()], {"title": "T"})
        assert messages(picture) == [
            "youtube takes no images in a video post (a video post is exactly 1 video)"
        ]

    def test_tiktok_needs_a_video_or_photos(self) -> None:
        result = validate_content("tiktok", "hi", [], {"privacy_level": "SELF_ONLY"})
        assert messages(result) == ["tiktok needs at least 1 image or video"]

    def test_pinterest_needs_an_image_or_video_and_takes_up_to_five_images(self) -> None:
        options = {"board_id": "1"}
        assert messages(validate_content("pinterest", "", [], options)) == [
            "pinterest needs at least 1 image or video"
        ]
        assert validate_content("pinterest", "", [image()] * 5, options).ok
        assert messages(validate_content("pinterest", "", [image()] * 6, options)) == [
            "pinterest allows at most 5 images per post; got 6"
        ]

    def test_twitter_takes_four_images(self) -> None:
        assert validate_content("twitter", "", [image()] * 4, None).ok
        result = validate_content("twitter", "", [image()] * 5, None)
        assert messages(result) == ["twitter allows at most 4 images per post; got 5"]

    def test_twitter_gif_takes_the_video_slot(self) -> None:
        gif = MediaRef("https://cdn.example.com/party.gif", None)
        assert validate_content("twitter", "", [gif], None).ok
        result = validate_content("twitter", "", [gif, image()], None)
        assert messages(result) == [
            "twitter cannot mix images with a video or GIF in one post; "
            "publish them as separate posts"
        ]
        two = validate_content("twitter", "", [gif, video()], None)
        assert messages(two) == ["twitter allows at most 1 video or GIF per post; got 2"]

    def test_twitter_needs_text_or_media(self) -> None:
        result = validate_content("twitter", "  ", [], None)
        assert result.problems == [
            Problem("content.text", "twitter needs text or at least 1 image or video")
        ]

    def test_facebook_link_alone_is_content(self) -> None:
        assert validate_content("facebook", "", [], {"link": "https://lowtato.dev"}).ok
        assert messages(validate_content("facebook", "", [], None)) == [
            "facebook needs text, options.link or at least 1 image or video"
        ]

    def test_mixing_is_refused_where_no_post_type_allows_it(self) -> None:
        result = validate_content("linkedin", "", [image(), video()], None)
        assert messages(result) == [
            "linkedin cannot mix images and videos in one post; publish them as separate posts"
        ]

    def test_instagram_carousel_mixes_up_to_ten_items(self) -> None:
        media = [image()] * 5 + [video()] * 5
        result = validate_content("instagram", "", media, None)
        assert result.ok
        assert result.post_type == "carousel"
        over = validate_content("instagram", "", [*media, image()], None)
        assert messages(over) == [
            "instagram allows at most 10 images or videos in a carousel post; got 11"
        ]

    def test_bluesky_takes_four_images_or_one_video(self) -> None:
        assert validate_content("bluesky", "", [image()] * 4, None).ok
        assert messages(validate_content("bluesky", "", [image()] * 5, None)) == [
            "bluesky allows at most 4 images per post; got 5"
        ]


class TestPostTypes:
    @pytest.mark.parametrize(
        ("media", "post_type"),
        [([image()], "feed"), ([video()], "reel"), ([image(), image()], "carousel")],
    )
    def test_instagram_post_type_is_picked_from_the_media(
        self, media: list[MediaRef], post_type: str
    ) -> None:
        result = validate_content("instagram", "caption", media, None)
        assert result.ok
        assert result.post_type == post_type

    def test_named_post_type_is_enforced_with_a_hint(self) -> None:
        result = validate_content("instagram", "", [video()], {"post_type": "feed"})
        assert messages(result) == [
            "instagram takes no videos in a feed post (a feed post is 1 image); "
            'use post_type "reel"'
        ]

    def test_instagram_story_takes_no_caption(self) -> None:
        result = validate_content("instagram", "caption", [image()], {"post_type": "story"})
        assert messages(result) == [
            "instagram takes no text in a story post; remove content.text or choose another "
            "post_type"
        ]

    def test_option_that_does_not_apply_to_the_post_type(self) -> None:
        options = {"post_type": "carousel", "collaborators": ["alice"]}
        result = validate_content("instagram", "", [image(), image()], options)
        assert result.problems == [
            Problem(
                "options.collaborators",
                "options.collaborators does not apply to a carousel post on instagram; remove it",
            )
        ]

    def test_facebook_reel_duration(self) -> None:
        options = {"post_type": "reel"}
        assert validate_content("facebook", "", [video(duration_seconds=90)], options).ok
        result = validate_content("facebook", "", [video(duration_seconds=91)], options)
        assert result.problems == [
            Problem(
                "content.mediaUrls[0]",
                "video is 91 s long; facebook allows at most 90 s for a reel post",
            )
        ]


class TestMediaItems:
    def test_type_size_and_duration_of_each_item(self) -> None:
        media = [
            image("a.png"),
            image("b.jpg", size=21 * MB),
            video("c.mp4", duration_seconds=2),
            video("d.mp4", duration_seconds=601),
        ]
        result = validate_content("tiktok", "", media, {"privacy_level": "SELF_ONLY"})
        assert result.problems == [
            Problem(
                "content.mediaUrls",
                "tiktok cannot mix images and videos in one post; publish them as separate posts",
            ),
            Problem("content.mediaUrls", "tiktok needs exactly 1 video for a video post; got 2"),
            Problem(
                "content.mediaUrls[0]",
                "tiktok does not accept image/png images; use image/jpeg or image/webp",
            ),
            Problem(
                "content.mediaUrls[1]",
                "image is 22,020,096 bytes; tiktok allows at most 20 MB (20,971,520 bytes) "
                "per image",
            ),
            Problem(
                "content.mediaUrls[2]",
                "video is 2 s long; tiktok needs at least 3 s",
            ),
            Problem(
                "content.mediaUrls[3]",
                "video is 601 s long; tiktok allows at most 10 min",
            ),
        ]

    def test_kind_is_inferred_from_mime_type_or_extension(self) -> None:
        by_extension = MediaRef("https://cdn.example.com/clip.MOV?sig=1", None)
        by_mime = MediaRef("https://cdn.example.com/blob/123", None, mime_type="video/mp4")
        result = validate_content("instagram", "", [by_extension], None)
        assert result.post_type == "reel"
        assert validate_content("youtube", "", [by_mime], {"title": "T"}).ok

    def test_unknown_kind_skips_type_checks_but_still_counts(self) -> None:
        unknown = MediaRef("https://cdn.example.com/blob/123", None, size=10**12)
        assert validate_content("youtube", "", [unknown], {"title": "T"}).ok
        result = validate_content("youtube", "", [unknown, unknown], {"title": "T"})
        assert messages(result) == ["youtube needs exactly 1 video for a video post; got 2"]

    def test_kind_that_contradicts_the_mime_type(self) -> None:
        odd = MediaRef("https://cdn.example.com/x", "image", mime_type="video/mp4")
        result = validate_content("twitter", "", [odd], None)
        assert messages(result) == ["kind is image but the file is video/mp4; fix kind or the file"]

    def test_bluesky_image_size_and_alt_texts_per_item(self) -> None:
        media = [image(size=1_000_000), image(size=1_000_001)]
        result = validate_content("bluesky", "", media, {"alt_texts": ["a cat"]})
        assert result.problems == [
            Problem(
                "content.mediaUrls[1]",
                "image is 1,000,001 bytes; bluesky allows at most 1,000,000 bytes per image",
            ),
            Problem(
                "options.alt_texts",
                "options.alt_texts has 1 entry for 2 media items; give one per media item, in "
                'order ("" for none)',
            ),
        ]


class TestOptions:
    def test_pinterest_needs_a_board(self) -> None:
        result = validate_content("pinterest", "", [image()], {})
        assert result.problems == [
            Problem(
                "options.board_id",
                "pinterest needs options.board_id (the board to pin to; list boards with "
                "GET /api/v1/accounts/{id}/subaccounts)",
            )
        ]
        assert result.options is None

    def test_null_required_option_is_missing(self) -> None:
        result = validate_content("tiktok", "", [video()], {"privacy_level": None})
        assert messages(result)[0].startswith("tiktok needs options.privacy_level (who can see")

    def test_youtube_needs_a_title_and_defaults_the_rest(self) -> None:
        missing = validate_content("youtube", "", [video()], None)
        assert fields(missing) == ["options.title"]
        result = validate_content("youtube", "", [video()], {"title": "T"})
        assert isinstance(result.options, YouTubeOptions)
        assert result.options.privacy_status == "public"
        assert result.options.made_for_kids is False

    def test_parsed_options_are_returned(self) -> None:
        result = validate_content("pinterest", "", [image()], {"board_id": "42", "title": "T"})
        assert result.options == PinterestOptions(board_id="42", title="T")

    def test_unknown_option_key_is_rejected(self) -> None:
        result = validate_content("linkedin", "hi", [], {"author": "urn:li:organization:1"})
        assert result.problems == [
            Problem(
                "options.author",
                "options.author is not an option for linkedin; allowed options: first_comment, "
                "max_delay, visibility",
            )
        ]

    def test_first_comment_only_where_the_platform_can_comment(self) -> None:
        assert validate_content("linkedin", "hi", [], {"first_comment": "More below"}).ok
        result = validate_content(
            "pinterest", "", [image()], {"board_id": "1", "first_comment": "x"}
        )
        assert fields(result) == ["options.first_comment"]

    def test_enum_values_are_explained(self) -> None:
        result = validate_content("linkedin", "hi", [], {"visibility": "LOGGED_IN"})
        assert messages(result) == [
            "options.visibility must be 'PUBLIC' or 'CONNECTIONS'; got \"LOGGED_IN\""
        ]

    def test_options_must_be_an_object(self) -> None:
        result = validate_content("linkedin", "hi", [], "visibility=PUBLIC")  # type: ignore[arg-type]
        assert result.problems == [Problem("options", "options must be an object; got a string")]


def test_every_problem_is_collected() -> None:
    media = [image("a.png", size=30 * MB), image("b.jpg")]
    options = {"board_id": "abc", "title": "t" * 101, "colour": "red"}
    result = validate_content("pinterest", "d" * 900, [*media, video()], options)
    assert fields(result) == [
        "content.text",
        "content.mediaUrls",
        "content.mediaUrls[0]",
        "options.board_id",
        "options.colour",
        "options.title",
    ]
    assert result.options is None
    assert not result.ok


def test_unknown_platform_raises() -> None:
    with pytest.raises(ValueError, match="unknown platform 'myspace'"):
        validate_content("myspace", "hi", [], None)
