"""The built-in generator's cost per post, against the platform's own text measurement of the
same post (the cheapest step every post pays anyway).

For each platform, a short and a 500-character topic: posts written through the whole
built-in path (templates, hashtags, ``fit``, the response's measurement) per second, and the
ratio to measuring the finished post once. No assertions on time; exits non-zero only if a
post did not fit its platform.

    ./dev bench ai_builtin [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from lowtato.ai.builtin import Builtin, write_post
from lowtato.ai.fit import fits, measure
from lowtato.ai.request import GenerationRequest
from lowtato.ai.service import finish
from lowtato.ai.tones import Tone
from lowtato.brand.schemas import BrandKitOut
from lowtato.platforms.names import Platform

BRAND = BrandKitOut(
    brand_name="Crumb & Co", brand_color=None, tone="friendly",
    topics=["sourdough", "local food", "baking"], logo_url=None, website=None,
    what_do_you_do="We bake sourdough bread and pastries every morning.",
    who_do_you_help="Busy families who want real bread", language="en",
)  # fmt: skip
LONG = ("Why our bakery switched every loaf to a slow forty-eight hour cold fermentation, " * 7)[
    :500
]


def rate(work: Callable[[], object], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        work()
        done += 1
    return done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    seconds = parser.parse_args().seconds
    provider, broken = Builtin(), 0
    print(f"{'platform':10} {'topic':5} {'posts/s':>9} {'measure/s':>10} {'ratio':>6}")
    for platform in Platform:
        for label, topic in (("short", "our new rye loaf"), ("long", LONG)):
            request = GenerationRequest(topic, platform, Tone.friendly, True, None, BRAND, "en")
            post = finish(write_post(request), request, provider, 0.5)
            broken += not fits(post.content, platform)
            generated = rate(lambda r=request: finish(write_post(r), r, provider, 0.5), seconds)
            measured = rate(lambda c=post.content, p=platform: measure(c, p), seconds)
            print(f"{platform.value:10} {label:5} {generated:9,.0f} {measured:10,.0f} "
                  f"{measured / generated:6.1f}x")  # fmt: skip
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
