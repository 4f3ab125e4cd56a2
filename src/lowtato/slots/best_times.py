"""Default best posting times and frequencies per platform, kept as data.

Transcribed from ``docs/reference/best-times.md``: section 2 ("Suggested default table") gives the
hours, preferred days and confidence; section 3 gives the posting frequencies; the sources are
the section 1/3 rows each figure came from. Hours are the audience's local time, 24 h clock,
best first (most sources measure local time; a source name says so when it used US Pacific,
Central or Eastern time instead). All studies are US-weighted industry averages, not rules;
an account's own analytics should replace them once it has history.

Conventions of this module (where the reference leaves room):

* ``confidence`` is the reference's wording, which uses a five-step scale ("low", "low-medium",
  "medium", "medium-high", "high" — no row is "high"). Instagram is marked "medium / weekend
  low", stored as ``confidence="medium"`` and ``weekend_confidence="low"``.
  ``low_confidence`` is true for "low" and "low-medium" rows.
* Weekend hours in the reference are named per day ("Sat 12, Sat 13, Sun 15"). For one weekend
  day, :meth:`BestTimes.times_for_day` lists that day's hours first, then the other weekend
  day's hours (still weekend evidence) — never weekday hours.
* ``weekends_recommended`` is not a column of the reference. It is true only where the
  preferred days include a weekend day (Pinterest) or the justification cites weekend-best
  evidence that no cited source contradicts (YouTube: HubSpot's Fri-Sun). TikTok's weekend
  evidence is contradicted (Buffer's Sunday best vs Sprout's Sunday worst), so it is false.
* ``Frequency`` turns the per-week and per-month recommendations into posts per day
  (4-6/week → 4/7 … 6/7); the ``basis`` text says how each range was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple

from lowtato.platforms.names import PLATFORMS  # the one list and order of platforms

__all__ = [
    "BEST_TIMES",
    "PLATFORMS",
    "REFERENCE",
    "SATURDAY",
    "SUNDAY",
    "WEEKDAYS",
    "BestTimes",
    "Confidence",
    "Frequency",
    "Source",
    "TimeOfDay",
    "WeekendTime",
    "best_times_for",
]

REFERENCE = "docs/reference/best-times.md"


Confidence = Literal["low", "low-medium", "medium", "medium-high", "high"]

SUNDAY = 0
SATURDAY = 6
WEEKDAYS = (1, 2, 3, 4, 5)


class TimeOfDay(NamedTuple):
    """A local wall-clock time."""

    hour: int
    minute: int = 0


class WeekendTime(NamedTuple):
    """A local wall-clock time on one weekend day (contract numbering: 6 = Sat, 0 = Sun)."""

    day: int
    hour: int
    minute: int = 0


@dataclass(frozen=True)
class Source:
    """A cited study: who, which dataset and year, and where it was read."""

    name: str
    url: str


@dataclass(frozen=True)
class Frequency:
    """Recommended posts per day for one platform (fractions for per-week advice)."""

    min_per_day: float
    max_per_day: float
    basis: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class BestTimes:
    """One row of the default table: when to post on one platform, and on what evidence."""

    platform: str
    prefer_days: tuple[int, ...]
    prefer_days_label: str
    weekday_times: tuple[TimeOfDay, ...]
    weekend_times: tuple[WeekendTime, ...]
    weekends_recommended: bool
    confidence: Confidence
    weekend_confidence: Confidence
    justification: str
    sources: tuple[Source, ...]
    frequency: Frequency | None

    @property
    def low_confidence(self) -> bool:
        """True when the reference rates the row "low" or "low-medium"."""
        return self.confidence in ("low", "low-medium")

    def times_for_day(self, day: int) -> tuple[TimeOfDay, ...]:
        """The ranked local times for contract ``day`` (0 = Sunday … 6 = Saturday).

        Monday-Friday use the weekday list. A weekend day uses its own listed hours first, then
        the other weekend day's hours, without repeats.
        """
        if day in WEEKDAYS:
            return self.weekday_times
        if day not in (SATURDAY, SUNDAY):
            raise ValueError(f"day must be 0 (Sunday) … 6 (Saturday), got {day}")
        own = [TimeOfDay(t.hour, t.minute) for t in self.weekend_times if t.day == day]
        other = [TimeOfDay(t.hour, t.minute) for t in self.weekend_times if t.day != day]
        return tuple(dict.fromkeys(own + other))


# Sources cited by more than one row.
_HOOTSUITE_2023_TIMES = Source(
    "Hootsuite (2023, own accounts, US Pacific; mirror)",
    "https://www.emporiumdigital.online/best-time-to-post-on-social-media-in-2023-all-networks/",
)
_HOOTSUITE_2023_FREQUENCY = Source(
    "Hootsuite (2023; mirror)",
    "https://tmp.4pmtech.com/kak-chasto-publikovat-soobshheniya-v-soczialnyh-setyah-v-2023-godu",
)
_HUBSPOT_2022_SURVEY = Source(
    "HubSpot survey of 300+ marketers (2022; mirror)",
    "https://articles.entireweb.com/marketing/the-best-time-to-post-on-social-media-in-2022-data-from-300-marketers/",
)
_HUBSPOT_2024_FREQUENCY = Source(
    "HubSpot State of Social (2024, marketer-reported)",
    "https://marketingnewswired.com/how-to-decide-the-ideal-publishing-frequency-for-social-media-blogs-emails-and-more",
)
_BUFFER_SUMALL = Source(
    "Buffer + SumAll infographic (c. 2014-15)",
    "https://news.dmaillard.com/social-media/how-often-should-you-post-on-social-media",
)
_BUFFER_X = Source(
    "Buffer, 1M+ tweets (c. 2024-25; mirror)", "https://influencenewsnow.com/?p=17197"
)
_BUFFER_IG_2026 = Source(
    "Buffer, 9.6M posts (2026), via PostTempo",
    "https://posttempo.com/blog/best-time-to-post-on-instagram-2026",
)
_SPROUT_IG_2023 = Source(
    "Sprout Social (2023; mirror)", "http://www.surveillancecameraplayers.org/index-614.html"
)


def _weekdays(*hours: int) -> tuple[TimeOfDay, ...]:
    return tuple(TimeOfDay(hour) for hour in hours)


_ROWS: tuple[BestTimes, ...] = (
    BestTimes(
        platform="twitter",
        prefer_days=(2, 3, 4),
        prefer_days_label="Tue-Thu",
        weekday_times=_weekdays(9, 8, 10, 11, 12, 14),
        weekend_times=(
            WeekendTime(SATURDAY, 12),
            WeekendTime(SATURDAY, 13),
            WeekendTime(SUNDAY, 15),
        ),
        weekends_recommended=False,
        confidence="medium",
        weekend_confidence="medium",
        justification=(
            "Buffer's top slots are 8-9am; Sprout 2023/2025 windows run 9am-5pm; weekend slots "
            "from Sprout's Sat 11-2 / Sun 2-6 windows, but Sprout ranks weekends worst - use "
            "sparingly"
        ),
        sources=(
            _BUFFER_X,
            Source(
                "Sprout Social (2023; mirror)",
                "http://www.surveillancecameraplayers.org/index-613.html",
            ),
            Source(
                "Sprout Social (2025)",
                "https://sproutsocial.com/best-times-to-post/twitter-travel-and-tourism",
            ),
        ),
        frequency=Frequency(
            min_per_day=1,
            max_per_day=5,
            basis="Hootsuite 1-5 posts/day; Buffer + SumAll: 3+/day, engagement dips after the 3rd",
            sources=(_HOOTSUITE_2023_FREQUENCY, _BUFFER_SUMALL),
        ),
    ),
    BestTimes(
        platform="instagram",
        prefer_days=(2, 3, 4),
        prefer_days_label="Tue-Thu",
        weekday_times=_weekdays(9, 12, 18, 10, 11, 13),
        weekend_times=(
            WeekendTime(SATURDAY, 10),
            WeekendTime(SATURDAY, 18),
            WeekendTime(SUNDAY, 10),
        ),
        weekends_recommended=False,
        confidence="medium",
        weekend_confidence="low",
        justification=(
            "Buffer 2026 top slots (9, 12, 18) plus Sprout 2023 9am-1pm windows; weekend "
            "evidence weak (HubSpot 2022 evenings, Later mornings)"
        ),
        sources=(
            _BUFFER_IG_2026,
            _SPROUT_IG_2023,
            Source(
                "Sprout Social (2023), via Social Media Today",
                "https://www.socialmediatoday.com/news/report-best-times-to-post-social-platforms-twitter-instagram-tiktok-facebook-pintrist-linkedin/650006/",
            ),
            _HUBSPOT_2022_SURVEY,
            Source(
                "Later, 11M posts (2023)", "https://later.com/blog/best-time-to-post-on-instagram/"
            ),
        ),
        frequency=Frequency(
            min_per_day=2 / 7,
            max_per_day=1,
            basis=(
                "feed posts: Hootsuite 3-7/week and at most 1/day; Mosseri 2/week (Stories "
                "more often, not counted); HubSpot 2024: B2C multiple/week, B2B multiple/day"
            ),
            sources=(_HOOTSUITE_2023_FREQUENCY, _HUBSPOT_2024_FREQUENCY),
        ),
    ),
    BestTimes(
        platform="linkedin",
        prefer_days=(2, 3, 4),
        prefer_days_label="Tue-Thu",
        weekday_times=_weekdays(10, 11, 9, 8, 12, 17),
        weekend_times=(WeekendTime(SUNDAY, 10),),
        weekends_recommended=False,
        confidence="medium",
        weekend_confidence="medium",
        justification=(
            "Sprout 2021/2023 converge on 9am-noon; older Buffer adds 7-8:30am and 5-6pm; only "
            "HubSpot 2022 backs weekends (Sun 10 marked optional)"
        ),
        sources=(
            Source(
                "Sprout Social (2023)",
                "https://www.odwyerpr.com/story/public/19714/2023-06-07/midweek-afternoons-best-post-time-for-tiktok.html",
            ),
            Source(
                "Sprout Social (2021, US Central)",
                "https://www.mediapost.com/publications/article/363995/best-times-to-post-on-social-media-for-consumer-en.html",
            ),
            Source(
                "Buffer (older, undated; cited 2021)",
                "https://theyardstickagency.co.uk/blog/the-day-and-time-you-should-post-on-linkedin-to-maximise-engagement",
            ),
            Source(
                "HubSpot survey (2022)",
                "https://business.linkedin.com/en-uk/marketing-solutions/blog/posts/B2B-Marketing/2016/Whats-the-best-time-to-post-on-LinkedIn",
            ),
        ),
        frequency=Frequency(
            min_per_day=1,
            max_per_day=1,
            basis=(
                "Buffer + SumAll: 1 per weekday; van der Blom 2022: a 2nd post within 18 h costs "
                "~15% reach, which caps it at 1/day despite Hootsuite's 1-5/day; HubSpot 2024: "
                "B2B multiple/week, B2C weekly"
            ),
            sources=(
                _BUFFER_SUMALL,
                Source(
                    "van der Blom algorithm report (2022), summary",
                    "https://skool.com/mph-academy/linkedin-algorithm-secrets",
                ),
                _HOOTSUITE_2023_FREQUENCY,
                _HUBSPOT_2024_FREQUENCY,
            ),
        ),
    ),
    BestTimes(
        platform="tiktok",
        prefer_days=(1, 2, 3, 4),
        prefer_days_label="Tue-Thu (+Mon)",
        weekday_times=_weekdays(17, 15, 16, 14, 19, 13),
        weekend_times=(WeekendTime(SUNDAY, 9), WeekendTime(SUNDAY, 13), WeekendTime(SATURDAY, 19)),
        weekends_recommended=False,
        confidence="low-medium",
        weekend_confidence="low-medium",
        justification=(
            "Sprout 2024-26 cluster at 2-6pm; Buffer 2026 favours evenings and Sun 9am / Sun "
            "1pm (conflicts with Sprout's 'Sunday worst')"
        ),
        sources=(
            Source(
                "Sprout Social (2024 data; mirror)",
                "https://www.socialmediainformer.com/tourism/?open-article-id=23741321&article-title=best-times-to-post-on-tiktok-in-2023&blog-domain=sproutsocial.com&blog-title=sprout-social",
            ),
            Source("Sprout Social (2025, Mar)", "https://sproutsocial.com/insights/?p=172822"),
            Source(
                "CineRads, citing Sprout 2026 (attribution of hours unclear)",
                "https://www.cinerads.com/blog/best-time-to-post-on-tiktok-saturday",
            ),
            Source(
                "Buffer, 7.1M posts (2026; mirror)",
                "https://sbtecnews.com/best-time-to-post-on-tiktok-in-2026",
            ),
            Source(
                "Buffer, 7.1M posts (2026)",
                "https://www.web2labs.com/news/f9f85b81-best-time-to-post-on-tiktok-2026",
            ),
        ),
        frequency=Frequency(
            min_per_day=2 / 7,
            max_per_day=2,
            basis=(
                "Buffer (c. 2025, 11.4M posts): 2-5/week +17% views/post, 6-10/week +29%, "
                "11+/week +34% with diminishing returns; HubSpot 2024: B2C once/day, B2B "
                "multiple/day (read as 2)"
            ),
            sources=(
                Source("Buffer (c. 2025; mirror)", "https://moka.ec/archives/29549"),
                _HUBSPOT_2024_FREQUENCY,
            ),
        ),
    ),
    BestTimes(
        platform="facebook",
        prefer_days=(1, 2, 3, 4),
        prefer_days_label="Mon-Thu",
        weekday_times=_weekdays(9, 10, 8, 11, 12, 15),
        weekend_times=(WeekendTime(SUNDAY, 9), WeekendTime(SATURDAY, 9), WeekendTime(SUNDAY, 12)),
        weekends_recommended=False,
        confidence="medium-high",
        weekend_confidence="medium-high",
        justification=(
            "Buffer 2026 (Thu 9am, 6-11am) + Sprout 2025 (8am-noon, Wed 3-5pm) + Metricool "
            "10am; Sprout 2025 Sat 9-10, Sun 8am-1pm"
        ),
        sources=(
            Source(
                "Buffer, 14M posts (2026; mirror)",
                "https://thepioneermedia.blogspot.com/2026/02/best-time-to-post-on-facebook-new-data.html",
            ),
            Source(
                "Buffer, 14M posts (2026)", "https://letmepost.dev/blog/best-time-to-post-on-fb"
            ),
            Source(
                "Sprout Social (2025, 2.5B engagements)",
                "https://sproutsocial.com/insights/?p=159401",
            ),
            Source("Metricool (2025)", "https://metricool.com/best-time-publish-facebook"),
        ),
        frequency=Frequency(
            min_per_day=1,
            max_per_day=2,
            basis=(
                "Hootsuite 1-2 posts/day; Metricool once a day Mon-Fri; HubSpot (~2015): pages "
                "under 10K followers lost ~50% clicks/post at 2/day"
            ),
            sources=(
                _HOOTSUITE_2023_FREQUENCY,
                Source("Metricool (2025)", "https://metricool.com/best-time-publish-facebook"),
                Source(
                    "HubSpot customer data (~2015)",
                    "https://revlocal.com/blog/social-media-marketing/how-often-should-your-business-post-on-social-media",
                ),
            ),
        ),
    ),
    BestTimes(
        platform="threads",
        prefer_days=(2, 3, 4),
        prefer_days_label="Tue-Thu",
        weekday_times=_weekdays(9, 8, 12, 10, 18, 13),
        weekend_times=(WeekendTime(SATURDAY, 10), WeekendTime(SUNDAY, 12)),
        weekends_recommended=False,
        confidence="low",
        weekend_confidence="low",
        justification=(
            "ASSUMPTION: no study found; borrows X (text, mornings) and Instagram (same Meta "
            "audience) patterns"
        ),
        sources=(
            Source("ASSUMPTION - pattern borrowed from the X row", _BUFFER_X.url),
            Source("ASSUMPTION - pattern borrowed from the Instagram row", _BUFFER_IG_2026.url),
        ),
        frequency=None,  # section 3: "not found"
    ),
    BestTimes(
        platform="bluesky",
        prefer_days=(2, 3),
        prefer_days_label="Tue-Wed",
        weekday_times=_weekdays(9, 8, 12, 10, 13, 16),
        weekend_times=(WeekendTime(SATURDAY, 10), WeekendTime(SUNDAY, 12)),
        weekends_recommended=False,
        confidence="low",
        weekend_confidence="low",
        justification="Vendor blogs only (8-10am, 12-1pm, 4-6pm ET); consistent with X",
        sources=(
            Source(
                "Mediafast blog (2026, US Eastern)", "https://www.mediafa.st/schedule-bluesky-posts"
            ),
            Source(
                "TheBlue.social (2025)",
                "https://theblue.social/articles/bluesky-post-formats-what-analytics-reveal",
            ),
        ),
        frequency=Frequency(
            min_per_day=2,
            max_per_day=4,
            basis="vendor claim (unverified dataset): 2-4/day gets 67% more engagement than 1/day",
            sources=(
                Source("Schedulala blog (2026)", "https://schedulala.com/blog/bluesky-scheduler"),
            ),
        ),
    ),
    BestTimes(
        platform="youtube",
        prefer_days=(4, 5),
        prefer_days_label="Thu-Fri",
        weekday_times=_weekdays(15, 16, 14, 17, 18, 12),
        weekend_times=(
            WeekendTime(SATURDAY, 15),
            WeekendTime(SUNDAY, 15),
            WeekendTime(SATURDAY, 12),
        ),
        weekends_recommended=True,
        confidence="low-medium",
        weekend_confidence="low-medium",
        justification="Buffer 2024 Fri 3-4pm; HubSpot 2022 3-9pm with Fri-Sun best",
        sources=(
            Source(
                "Buffer, 1M+ videos and Shorts (2024; mirror)",
                "https://www.mhacanhelp.com/2024/02/12/when-is-the-greatest-time-to-submit-on-youtube-1-million-movies-analyzed/",
            ),
            Source("HubSpot Social Media Trends (2022; mirror)", "https://liveseo.com/?p=20890"),
        ),
        frequency=Frequency(
            min_per_day=4 / 7,
            max_per_day=6 / 7,
            basis="HubSpot 2022: most marketers post 4-6 times/week (descriptive, not advice)",
            sources=(
                Source("HubSpot survey (2021, published 2022)", "https://liveseo.com/?p=20890"),
            ),
        ),
    ),
    BestTimes(
        platform="pinterest",
        prefer_days=(5, 6),
        prefer_days_label="Fri-Sat",
        weekday_times=_weekdays(15, 14, 20, 21, 12, 13),
        weekend_times=(
            WeekendTime(SATURDAY, 10),
            WeekendTime(SATURDAY, 15),
            WeekendTime(SATURDAY, 20),
        ),
        weekends_recommended=True,
        confidence="low",
        weekend_confidence="low",
        justification=(
            "Only pre-2016 data (Fri 3pm; 2-4pm and 8-11pm; Saturday best) - placeholder"
        ),
        sources=(
            Source(
                "Digitas/Curalate, ~10M pins (2013, US Eastern)",
                "http://www.marketingprofs.com/charts/2013/10712/pinterest-brand-engagement-best-days-and-times-to-pin",
            ),
            Source(
                "Bitly (c. 2012)",
                "https://coplancreativeconsulting.com/social-media-marketing-2/whats-time-share-pinterest/",
            ),
            Source(
                "QuickSprout compilation (c. 2015)",
                "http://smithandjones.com/resources/blog/best-times-post-social-media",
            ),
        ),
        frequency=Frequency(
            min_per_day=2 / 30,
            max_per_day=2,
            basis=(
                "HubSpot 2024 (marketer-reported): B2B multiple/day, B2C multiple/month (both "
                "'multiple' read as 2)"
            ),
            sources=(_HUBSPOT_2024_FREQUENCY,),
        ),
    ),
)

BEST_TIMES: Mapping[str, BestTimes] = MappingProxyType({row.platform: row for row in _ROWS})
"""The default table, keyed by platform name (read-only)."""


def best_times_for(platform: str) -> BestTimes:
    """The row for ``platform``; ValueError naming the nine supported platforms otherwise."""
    try:
        return BEST_TIMES[platform]
    except KeyError:
        raise ValueError(
            f"unknown platform {platform!r}: expected one of {', '.join(PLATFORMS)}"
        ) from None
