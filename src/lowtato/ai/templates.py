"""The built-in generator's sentences, per tone. Slots: ``{topic}`` (the topic's first
clause; hooks only), ``{subject}`` (the topic when short, else "this"), ``{Subject}``
(capitalised), ``{brand}``, ``{we}`` (what the brand does as a clause: "we bake sourdough"),
``{who}`` (who it helps: "busy families"). English only."""

from __future__ import annotations

from dataclasses import dataclass

from lowtato.ai.tones import Tone


@dataclass(frozen=True, slots=True)
class ToneTemplates:
    hooks: tuple[str, ...]
    insights: tuple[str, ...]
    what: tuple[str, ...]
    """Uses ``{we}``; ``{at}`` is "At {brand}, " or "" when no brand name is set."""
    who: tuple[str, ...]


TEMPLATES: dict[Tone, ToneTemplates] = {
    Tone.professional: ToneTemplates(
        hooks=("{Topic}: what it means for you.", "A closer look at {topic}.",
               "{Topic} deserves more attention than it gets."),
        insights=("Getting {subject} right comes down to consistency and care.",
                  "The details of {subject} are where the results come from.",
                  "{Subject} rewards a clear plan and steady execution."),
        what=("{at}{we}.", "{at}{we}, and {subject} is part of that work."),
        who=("We do it for {who}.", "Our focus stays on {who}."),
    ),
    Tone.casual: ToneTemplates(
        hooks=("So, let's talk about {topic}.", "Okay, {topic} time.",
               "Quick one about {topic}."),
        insights=("Honestly, {subject} is simpler than it looks.",
                  "{Subject} is one of those things you notice once you try it.",
                  "No fluff: {subject} just works when you keep at it."),
        what=("{at}{we}.", "In case you're new here: {atlow}{we}."),
        who=("It's all for {who}.", "If you're one of the {who}, this is for you."),
    ),
    Tone.friendly: ToneTemplates(
        hooks=("We'd love to share a little about {topic}.",
               "Hello friends! Let's chat about {topic}.",
               "Here's something we care about: {topic}."),
        insights=("{Subject} is better when we share it.",
                  "We think {subject} can make your day a little better.",
                  "{Subject} has a special place in our hearts."),
        what=("{at}{we}, with a lot of care.", "{at}{we}, and we love every minute of it."),
        who=("We're here for {who}.", "Made with {who} in mind."),
    ),
    Tone.witty: ToneTemplates(
        hooks=("Plot twist: {topic}.", "Nobody asked, but here's our take on {topic}.",
               "{Topic}. Yes, really."),
        insights=("{Subject} is proof that good things don't need a long explanation.",
                  "Warning: {subject} may cause sudden enthusiasm.",
                  "We could be modest about {subject}. We won't."),
        what=("Fun fact: {atlow}{we}.", "{at}{we}. It's a tough job, but someone has to do it."),
        who=("Built for {who} (and the curious).", "{Who}, this one's for you."),
    ),
    Tone.inspirational: ToneTemplates(
        hooks=("Every big change starts small. Today: {topic}.",
               "{Topic} is a reminder of what's possible.", "Here's to {topic}."),
        insights=("{Subject} shows what steady effort can build.",
                  "Small steps in {subject} add up to something remarkable.",
                  "{Subject} starts with deciding it matters."),
        what=("{at}{we}, because it matters.", "{at}{we}, one day at a time."),
        who=("We believe in {who}.", "To {who}: keep going."),
    ),
    Tone.educational: ToneTemplates(
        hooks=("Did you know? {Topic}, explained.", "3 things to know about {topic}.",
               "{Topic}, in plain words."),
        insights=("The key to {subject}: understand the basics before the shortcuts.",
                  "{Subject} works best when you know why each step matters.",
                  "A common mistake with {subject} is rushing the fundamentals."),
        what=("{at}{we}, so we see this every day.", "Context: {atlow}{we}."),
        who=("This helps {who} most.", "Useful for {who}."),
    ),
    Tone.bold: ToneTemplates(
        hooks=("{Topic}. No compromises.", "Stop settling. {Topic} is the upgrade.",
               "Here's the truth about {topic}."),
        insights=("{Subject} done right beats everything else. Period.",
                  "If you're not paying attention to {subject}, you're falling behind.",
                  "{Subject} is not optional anymore."),
        what=("{at}{we}, and we do it better.", "{at}{we}. That's the standard."),
        who=("Made for {who}. Expect the best.", "{Who}: don't wait."),
    ),
}  # fmt: skip
