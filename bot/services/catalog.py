"""The command catalog: every chat command once, for every platform.

The engine dispatches from it, `/help` is written from it, and each adapter derives what its platform
shows from it (Telegram's command menus, Discord's slash commands with typed options). Adding a
command is one entry here and one handler in `bot.services.commands`.

Help texts and argument descriptions are English gettext message ids (marked with `N_`), translated
where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from bot.archive.export import ARCHIVE_FORMATS
from bot.render.i18n import N_, Lang, translator


class ArgKind(StrEnum):
    """What an argument holds; platforms with typed options (Discord) check it before the core sees it."""

    TEXT = "text"
    INTEGER = "integer"  # a whole number within `minimum`..`maximum`
    CHOICE = "choice"  # one of `choices`
    TIMEZONE = "timezone"  # an IANA timezone name (completed as it is typed where the platform can)
    MEMBER = "member"  # a member of the chat, given to the core as "@name" plus a mention
    # A file sent with the command: never among the arguments, it reaches the core as the event's
    # `attachment` (Discord: an attachment option; Telegram: the document captioned with the command,
    # or the one the command replies to).
    FILE = "file"


class AdminAction(StrEnum):
    """What an admin button does (the `arg` of an `ActionKind.ADMIN` action)."""

    POST_NOW = "postnow"
    SKIP = "skip"
    APPROVE_DRAFT = "approve"  # the action's article id is the draft's
    REJECT_DRAFT = "reject"
    REDRAFT = "redraft"
    REVIEW_DRAFTS = "review"  # the button under a new draft's notice: the drafts, privately
    # A discussion's generated synthesis (the action's article id is the discussion's id).
    REVIEW_SYNTHESIS = "synth"  # the button under the recap: the synthesis, privately
    DRAFT_SYNTHESIS = "synth_new"  # the button under an admin's /catchup: draft one now, then review it
    APPROVE_SYNTHESIS = "synth_ok"
    REJECT_SYNTHESIS = "synth_no"


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a command, in the order the core reads them.

    `name`: the option's name where options are named (Discord); `usage`: how `/help` shows it;
    `help`: what it is, an English message id. A missing optional argument is left out, unless a later
    one is given: then its `default` stands in (so positions keep their meaning), or it is left out
    when it has none (the core tells the remaining ones apart by their form).
    """

    name: str
    usage: str
    help: str
    kind: ArgKind = ArgKind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A chat command. `admin`: only the group's admins may use it (checked on every call);
    `private`: its answer goes to the asker alone where the platform can (pages of text would flood
    the chat); `help`: one line saying what it does, an English message id."""

    name: str
    help: str
    args: tuple[Arg, ...] = ()
    admin: bool = False
    private: bool = False

    @property
    def usage(self) -> str:
        """`/name ARG [OPTIONAL]` as `/help` shows it."""
        return self.usage_in(str)

    def usage_in(self, translate: Callable[[str], str]) -> str:
        """`usage` with its placeholders in the reader's language (/schedule 时间 [时区] [星期]);
        literal words (off, md|json|…) are what one types, and stay."""
        words = [translate(a.usage) if a.required else f"[{translate(a.usage)}]" for a in self.args]
        return " ".join([f"/{self.name}", *words])

    def describe(self, lang: Lang) -> str:
        """The help line in `lang`."""
        return translator(lang)(self.help)


_PAGE = Arg("page", N_("page"), N_("Page number"), ArgKind.INTEGER, minimum=1, maximum=100_000)

COMMANDS: tuple[Command, ...] = (
    # Members
    Command("brief", N_("the brief of the current article, with buttons for the other tabs")),
    Command(
        "bilingual", N_("the article paragraph by paragraph, English then Chinese"), (_PAGE,), private=True
    ),
    Command("translation", N_("the whole Chinese translation"), (_PAGE,), private=True),
    Command("original", N_("the English original"), (_PAGE,), private=True),
    Command(
        "para",
        N_("paragraph N of the current article in both languages; reply to it to discuss that paragraph"),
        (
            Arg(
                "number",
                "N",
                N_("Paragraph number (¶N)"),
                ArgKind.INTEGER,
                required=True,
                minimum=1,
                maximum=100_000,
            ),
        ),
    ),
    Command(
        "catchup",
        N_("catch up on the discussion: who replied to which prompt, the busiest replies and paragraphs"),
        private=True,
    ),
    Command("archive", N_("how to read this group's discussion archive")),
    Command("status", N_("the schedule, the next post and the open discussion")),
    Command("forget", N_("remove all your replies from every archive (asks first)")),
    Command(
        "optout",
        N_("keep your replies out of exports and the archive page; /optout off undoes it"),
        (Arg("undo", "off", N_("off: show your replies again"), ArgKind.CHOICE, choices=("off",)),),
    ),
    Command("help", N_("this list")),
    # Admins
    Command(
        "schedule",
        N_("post time, IANA timezone and days, e.g. /schedule 08:00 Asia/Shanghai mon-fri"),
        (
            Arg("time", N_("HH:MM"), N_("Local time, HH:MM (e.g. 08:00)"), required=True),
            Arg("timezone", N_("TZ"), N_("IANA timezone (e.g. Asia/Shanghai)"), ArgKind.TIMEZONE),
            Arg("days", N_("days"), N_("Days of the week (e.g. mon-fri or mon,wed,fri)")),
        ),
        admin=True,
    ),
    Command(
        "pause",
        N_("stop posting until /resume"),
        (Arg("reason", N_("reason"), N_("Why (shown by /status)")),),
        admin=True,
    ),
    Command("resume", N_("post on schedule again"), admin=True),
    Command(
        "skip",
        N_("skip the next article (or the one given), or post nothing on a date"),
        (Arg("target", N_("ID|YYYY-MM-DD"), N_("Article id, or a date to post nothing on (YYYY-MM-DD)")),),
        admin=True,
    ),
    Command("postnow", N_("post the next article now"), admin=True),
    Command("queue", N_("the articles this group gets next"), admin=True),
    Command("drafts", N_("drafts from links and feeds waiting for review, to approve or reject"), admin=True, private=True),
    Command(
        "move",
        N_("move an article to a position in the queue (1 = next)"),
        (
            Arg("article", N_("ID"), N_("Article id"), required=True),
            Arg(
                "position",
                N_("POS"),
                N_("New place in the queue (1 = next)"),
                ArgKind.INTEGER,
                required=True,
                minimum=1,
                maximum=100_000,
            ),
        ),
        admin=True,
    ),
    Command("close", N_("close the open discussion and post its recap"), admin=True),
    Command(
        "export",
        N_("the discussion archive of the current article as a file"),
        (
            Arg(
                "format",
                "|".join(ARCHIVE_FORMATS),
                N_("File format"),
                ArgKind.CHOICE,
                choices=ARCHIVE_FORMATS,
                default=ARCHIVE_FORMATS[0],
            ),
            Arg("article", N_("ID"), N_("Article id (default: the current one)")),
        ),
        admin=True,
    ),
    Command(
        "persona",
        N_("mention a member with the relevance note for NAME"),
        (
            Arg("name", N_("NAME"), N_("Audience name as the brief shows it"), required=True),
            Arg("member", N_("@member"), N_("The member to mention"), ArgKind.MEMBER, required=True),
        ),
        admin=True,
    ),
    Command(
        "import",
        N_("import an article from a file sent with the command: a page copy, .md or .json"),
        (
            Arg("file", N_("FILE"), N_("The article file"), ArgKind.FILE, required=True),
            Arg(
                "replace",
                "replace",
                N_("replace: overwrite the stored article with the same id"),
                ArgKind.CHOICE,
                choices=("replace",),
            ),
        ),
        admin=True,
    ),
    Command(
        "lang",
        N_("the language of the bot's messages"),
        (
            Arg(
                "language",
                "|".join(lang.value for lang in Lang),
                N_("Language"),
                ArgKind.CHOICE,
                required=True,
                choices=tuple(lang.value for lang in Lang),
            ),
        ),
        admin=True,
    ),
)

BY_NAME: Mapping[str, Command] = MappingProxyType({c.name: c for c in COMMANDS})
MEMBER_COMMANDS: tuple[Command, ...] = tuple(c for c in COMMANDS if not c.admin)
ADMIN_COMMANDS: tuple[Command, ...] = tuple(c for c in COMMANDS if c.admin)


def find(name: str) -> Command | None:
    """The command called `name` (lowercase, without the slash), or None."""
    return BY_NAME.get(name)


def positional(command: Command, given: Mapping[str, str]) -> list[str]:
    """The core's argument list from named options (`given`: option name → text; absent when not given)."""
    last = max((i for i, a in enumerate(command.args) if a.name in given), default=-1)
    out: list[str] = []
    for i, arg in enumerate(command.args[: last + 1]):
        if arg.name in given:
            out.append(given[arg.name])
        elif arg.default is not None and i < last:
            out.append(arg.default)
    return out
