"""The sandbox accepts and refuses what the live adapters do.

Each platform with a live adapter has a table of publish requests (text, media, options,
target; valid and invalid). Every request goes through the adapters the app builds: the live
one against its contract fake (tests/fakes, real HTTP on loopback) and the sandbox one. Both
must accept the same requests and refuse the same ones with the same error code (messages may
differ: the live ones quote the platform).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from fastapi import FastAPI
from tests.fakes import bluesky as bluesky_fake
from tests.fakes import facebook_graph, instagram, linkedin_store, threads_store, tiktok_store, x
from tests.fakes import pinterest as pinterest_fake
from tests.fakes import youtube as youtube_fake
from tests.fakes.fixtures import Fakes

from lowtato.platforms.base import Credentials, Media, PublishRequest
from lowtato.platforms.errors import PlatformError
from lowtato.platforms.facebook.adapter import FacebookAdapter
from lowtato.platforms.instagram.adapter import InstagramAdapter
from lowtato.platforms.live import live_platforms
from lowtato.platforms.names import Platform
from lowtato.platforms.pinterest.adapter import Adapter as PinterestAdapter
from lowtato.platforms.sandbox.adapter import ALLOWED as SANDBOX_ALLOWED
from lowtato.platforms.threads.adapter import ThreadsAdapter
from lowtato.platforms.tiktok.adapter import Adapter as TikTokAdapter

PAGE_ID, ORG_ID = "200001", "2414183"


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    media: tuple[str, ...] = ()  # files of the fakes' media host
    options: dict[str, Any] = field(default_factory=dict)
    target: bool = True  # aimed at the account's Page / organization (where it has one)


def case(name: str, text: str, *media: str, target: bool = True, **options: Any) -> Case:
    return Case(name, text, media, options, target)


LONG = "word " * 700  # 3,500 characters: over X, Bluesky and LinkedIn limits
TABLES: dict[str, list[Case]] = {
    "twitter": [
        case("text", "parity text"),
        case("photo", "parity photo", "cat.png"),
        case("four photos", "parity four", "cat.png", "dog.jpg", "cat.png", "dog.jpg"),
        case("five photos", "parity five", *(["cat.png"] * 5)),
        case("video", "parity video", "clip.mp4"),
        case("photo and video", "parity mix", "cat.png", "clip.mp4"),
        case("thread", "parity thread", thread=["second", "third"]),
        case("reply settings", "parity replies", reply_settings="following"),
        case("too long", "x" * 281),
        case("unknown option", "parity option", board_id="1"),
        case("empty", ""),
    ],
    "bluesky": [
        case("text", "parity text"),
        case("photo", "parity photo", "cat.png", alt_texts=["a cat"]),
        case("four photos", "parity four", "cat.png", "dog.jpg", "cat.png", "dog.jpg"),
        case("five photos", "parity five", *(["cat.png"] * 5)),
        case("video", "parity video", "clip.mp4"),
        case("photo and video", "parity mix", "cat.png", "clip.mp4"),
        case("first comment", "parity comment", first_comment="more below"),
        case("too long", "y" * 301),
        case("too many langs", "parity langs", langs=["en", "de", "fr", "es"]),
        case("alt texts mismatch", "parity alts", "cat.png", alt_texts=["a", "b"]),
        case("empty", ""),
    ],
    "linkedin": [
        case("member text", "parity member", target=False),
        case("organization text", "parity org"),
        case("photo", "parity photo", "cat.png"),
        case("photos", "parity photos", "cat.png", "dog.jpg"),
        case("video", "parity video", "clip.mp4"),
        case("photo and video", "parity mix", "cat.png", "clip.mp4"),
        case("connections only", "parity vis", visibility="CONNECTIONS"),
        case("first comment", "parity comment", first_comment="more below"),
        case("too long", LONG),
        case("bad visibility", "parity bad", visibility="FRIENDS"),
        case("empty", ""),
    ],
    "facebook": [
        case("text", "parity text"),
        case("without a page", "parity no page", target=False),
        case("link", "", link="https://example.com/menu"),
        case("photo", "parity photo", "cat.png"),
        case("photos", "parity photos", "cat.png", "dog.jpg"),
        case("video", "parity video", "clip.mp4"),
        case("reel", "parity reel", "clip.mp4", post_type="reel"),
        case("reel of a photo", "parity reel photo", "cat.png", post_type="reel"),
        case("story", "", "cat.png", post_type="story"),
        case("video story", "", "clip.mp4", post_type="story"),
        case("link and photo", "parity link photo", "cat.png", link="https://example.com/x"),
        case("photo and video", "parity mix", "cat.png", "clip.mp4"),
        case("first comment", "parity comment", first_comment="more below"),
        case("empty", ""),
    ],
    "tiktok": [
        case("video", "parity video", "clip.mp4", privacy_level="SELF_ONLY"),
        case(
            "pulled video",
            "parity pull",
            "clip.mp4",
            privacy_level="SELF_ONLY",
            video_source="PULL_FROM_URL",
        ),
        case("photo", "parity photo", "dog.jpg", privacy_level="PUBLIC_TO_EVERYONE"),
        case(
            "photos",
            "parity photos",
            "dog.jpg",
            "dog.jpg",
            privacy_level="SELF_ONLY",
            title="Parity",
        ),
        case("png photo", "parity png", "cat.png", privacy_level="SELF_ONLY"),
        case("text only", "parity text", privacy_level="SELF_ONLY"),
        case("photo and video", "parity mix", "dog.jpg", "clip.mp4", privacy_level="SELF_ONLY"),
        case("no privacy level", "parity private", "clip.mp4"),
        case(
            "level the creator does not allow",
            "parity followers",
            "clip.mp4",
            privacy_level="FOLLOWER_OF_CREATOR",
        ),
        case("title on a video", "parity title", "clip.mp4", privacy_level="SELF_ONLY", title="No"),
        case(
            "duet on photos", "parity duet", "dog.jpg", privacy_level="SELF_ONLY", disable_duet=True
        ),
        case("too long", "z" * 2201, "clip.mp4", privacy_level="SELF_ONLY"),
    ],
    "threads": [
        case("text", "parity text", reply_control="accounts_you_follow"),
        case("photo", "parity photo", "cat.png"),
        case("video", "parity video", "clip.mp4"),
        case("carousel", "parity carousel", "cat.png", "dog.jpg", "clip.mp4"),
        case("twenty-one items", "parity many", *(["cat.png"] * 21)),
        case("thread", "parity thread", thread=["second", "third"]),
        case("long thread item", "parity long item", thread=["z" * 501]),
        case("first comment", "parity comment", first_comment="more below"),
        case("too long", "😀" * 126),
        case("bad reply control", "parity rc", reply_control="friends"),
        case("empty", ""),
    ],
    # The board is options.board_id; "{board}" is replaced by the seeded user's first board.
    "pinterest": [
        case("image", "parity image", "cat.png", board_id="{board}", title="T", alt_text="a"),
        case("images", "parity images", "cat.png", "dog.jpg", board_id="{board}"),
        case("five images", "parity five", *(["cat.png"] * 5), board_id="{board}"),
        case("six images", "parity six", *(["cat.png"] * 6), board_id="{board}"),
        case("video", "parity video", "clip.mp4", board_id="{board}"),
        case("image and video", "parity mix", "cat.png", "clip.mp4", board_id="{board}"),
        case("link", "parity link", "dog.jpg", board_id="{board}", link="https://example.com/p"),
        case("no board", "parity no board", "cat.png"),
        case("no media", "parity text only", board_id="{board}"),
        case("too long", "z" * 801, "cat.png", board_id="{board}"),
        case("first comment", "parity comment", "cat.png", board_id="{board}", first_comment="x"),
    ],
    "youtube": [
        case("video", "parity video", "clip.mp4", title="Parity"),
        case("short", "parity short", "clip.mp4", title="Parity", post_type="short"),
        case("tags", "parity tags", "clip.mp4", title="Parity", tags=["a b", "c"]),
        case("no title", "parity untitled", "clip.mp4"),
        case("long title", "parity long", "clip.mp4", title="t" * 101),
        case("angle brackets", "parity <b>", "clip.mp4", title="Parity"),
        case("photo", "parity photo", "cat.png", title="Parity"),
        case("two videos", "parity two", "clip.mp4", "clip.mp4", title="Parity"),
        case("no video", "parity none", title="Parity"),
        case("bad privacy", "parity p", "clip.mp4", title="Parity", privacy_status="friends"),
    ],
    "instagram": [
        case("image", "parity image", "dog.jpg"),
        case("carousel", "parity carousel", "dog.jpg", "cat.png", "clip.mp4"),
        case("eleven items", "parity eleven", *(["dog.jpg"] * 11)),
        case("reel", "parity reel", "clip.mp4", share_to_feed=True),
        case("story", "", "dog.jpg", post_type="story"),
        case("video story", "", "clip.mp4", post_type="story"),
        case("story with a caption", "parity story", "dog.jpg", post_type="story"),
        case("reel of a photo", "parity reel photo", "dog.jpg", post_type="reel"),
        case("first comment", "parity comment", "dog.jpg", first_comment="more below"),
        case("too long", "z" * 2201, "dog.jpg"),
        case("text only", "parity text"),
        case("empty", ""),
    ],
}


def test_every_live_platform_has_a_table() -> None:
    assert sorted(TABLES) == live_platforms()


Seeder = Callable[[Fakes], Credentials]


def _twitter(fakes: Fakes) -> Credentials:
    access, refresh = x.seed_account(fakes.state, "1001", "parity_fan")
    return Credentials("1001", "parity_fan", access, refresh)


def _bluesky(fakes: Fakes) -> Credentials:
    account = bluesky_fake.seed_account(fakes.state, "parity.test")
    return Credentials(account.did, "parity.test", account.password)


def _linkedin(fakes: Fakes) -> Credentials:
    member = linkedin_store.seed_account(fakes.state, orgs={ORG_ID: ("Acme", "ADMINISTRATOR")})
    creds = Credentials(member.sub, member.name, member.token, member.refresh_token)
    return replace(creds, target_id=f"urn:li:organization:{ORG_ID}")


def _facebook(fakes: Fakes) -> Credentials:
    seeded = facebook_graph.seed_account(fakes.state)
    creds = Credentials("100001", "Ada Lovelace", seeded.user_token)
    return replace(creds, target_id=PAGE_ID, target_token=seeded.page_tokens[PAGE_ID])


def _tiktok(fakes: Fakes) -> Credentials:
    # A creator with the sandbox creator's privacy levels (a public account).
    levels = SANDBOX_ALLOWED[Platform.TIKTOK]["privacy_level"]
    creator = tiktok_store.seed_account(fakes.state, privacy=tuple(levels))
    tiktok_store.data(fakes.state).init_limit = 100  # the table posts faster than 6 a minute
    return Credentials(creator.open_id, creator.username, creator.token, creator.refresh_token)


def _threads(fakes: Fakes) -> Credentials:
    seeded = threads_store.seed_account(fakes.state)
    return Credentials(seeded.user_id, seeded.username, seeded.token)


def _pinterest(fakes: Fakes) -> Credentials:
    user = pinterest_fake.seed_account(fakes.state)
    return Credentials(user.user_id, user.username, user.token, user.refresh_token,
                       meta={"board": user.boards[0]})  # fmt: skip


def _youtube(fakes: Fakes) -> Credentials:
    access, refresh = youtube_fake.seed_account(fakes.state)
    return Credentials(youtube_fake.data(fakes.state).channel_id, "@lowtatofan", access, refresh)


def _instagram(fakes: Fakes) -> Credentials:
    seeded = instagram.seed_account(fakes.state)
    return Credentials(seeded.ig_id, seeded.username, seeded.token)


SEEDERS: dict[str, Seeder] = {
    "youtube": _youtube,
    "threads": _threads,
    "twitter": _twitter,
    "bluesky": _bluesky,
    "linkedin": _linkedin,
    "facebook": _facebook,
    "tiktok": _tiktok,
    "pinterest": _pinterest,
    "instagram": _instagram,
}


async def _outcome(app: FastAPI, platform: str, *, sandbox: bool, creds: Credentials,
                   req: PublishRequest) -> tuple[str, str]:  # fmt: skip
    adapter, ctx = app.state.services.adapters.get(platform, sandbox=sandbox)
    try:
        await adapter.publish(ctx, creds, req)
    except PlatformError as exc:
        return type(exc).__name__, exc.code
    return "accepted", ""


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FacebookAdapter, "poll_delays", (0.0,) * 8)
    monkeypatch.setattr(TikTokAdapter, "poll_delays", (0.0,) * 10)
    monkeypatch.setattr(ThreadsAdapter, "poll_delays", (0.0,) * 10)
    monkeypatch.setattr(PinterestAdapter, "poll_delays", (0.0,) * 8)
    monkeypatch.setattr(InstagramAdapter, "poll_delays", (0.0,) * 10)


@pytest.mark.parametrize("platform", sorted(TABLES))
async def test_sandbox_accepts_and_refuses_what_the_live_adapter_does(
    live_app: FastAPI, fakes: Fakes, platform: str
) -> None:
    creds = SEEDERS[platform](fakes)
    differences = []
    for number, item in enumerate(TABLES[platform]):
        media = [Media(url=fakes.media(name)) for name in item.media]
        options = {k: v.format(**creds.meta) if isinstance(v, str) else v
                   for k, v in item.options.items()}  # fmt: skip
        req = PublishRequest(f"post_parity_{number}", item.text, media, options)
        aimed = creds if item.target else replace(creds, target_id=None, target_token=None)
        live = await _outcome(live_app, platform, sandbox=False, creds=aimed, req=req)
        sandbox = await _outcome(live_app, platform, sandbox=True, creds=aimed, req=req)
        if live != sandbox:
            differences.append(f"{item.name}: live {live}, sandbox {sandbox}")
    assert differences == [], "\n".join(differences)
