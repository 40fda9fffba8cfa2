"""The flash-info ticker: headlines scrolling along one line, for next to no CPU.

Frames are not messages: each refresh computes the tape's offset from a clock in
:meth:`Ticker.render_line` and crops a cached strip, so a frame costs a crop and a
few segments. The widget refreshes itself (``auto_refresh``) only while it moves;
focused, hovered or paused it stands still and costs nothing.

With animations off (``TEXTUAL_ANIMATIONS=none``) it shows one headline at a time and
steps every :attr:`Ticker.STEP_SECONDS`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from newsreader.rows import Headline
from newsreader.table import cell_width, truncate
from newsreader.tui.text import clock_time, one_line

__all__ = ["Ticker"]

SEPARATOR = "  ◆  "


@dataclass(frozen=True, slots=True)
class _Tape:
    """All headlines as one strip, repeated so any window of the screen's width can
    be cropped from it without wrapping around."""

    strip: Strip
    length: int
    """Cells of one pass (all headlines once)."""
    starts: tuple[int, ...]
    """Cell where each headline starts within one pass."""


class Ticker(Widget, can_focus=True):
    """Scrolling headlines (``HH:MM  Headline  ◆  …``); focus it to step and open.

    | Key | Action |
    |---|---|
    | `left` | Previous headline (while focused) |
    | `right` | Next headline (while focused) |
    | `enter` | Open the headline under the cursor |

    A click opens the headline under the mouse. It pauses while focused or hovered,
    and while :attr:`paused`.
    """

    DEFAULT_CSS = """
    Ticker {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $reader-text;
        & > .ticker--time { color: $reader-accent; text-style: bold; }
        & > .ticker--title { }
        & > .ticker--separator { color: $reader-muted; }
        & > .ticker--current {
            background: $reader-ticker-current-background;
            color: $reader-ticker-current-foreground;
            text-style: bold;
        }
        & > .ticker--empty { color: $reader-muted; text-style: italic; }
    }
    """
    """Colours are the reader's ``$reader-*`` variables (:mod:`newsreader.tui.palette`):
    readable in every theme."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left",
            "step(-1)",
            "Previous",
            id="ticker-previous",
            tooltip="Previous headline (ticker focused)",
        ),
        Binding(
            "right", "step(1)", "Next", id="ticker-next", tooltip="Next headline (ticker focused)"
        ),
        Binding(
            "enter",
            "open_current",
            "Open headline",
            id="ticker-open",
            tooltip="Open the headline under the cursor (ticker focused)",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "ticker--time",
        "ticker--title",
        "ticker--separator",
        "ticker--current",
        "ticker--empty",
    }

    SPEED: ClassVar[float] = 8.0
    """Cells per second."""
    FPS: ClassVar[float] = 8.0
    """Refreshes per second while moving: one cell per frame at :attr:`SPEED`."""
    STEP_SECONDS: ClassVar[float] = 4.0
    """Seconds per headline with animations off."""

    paused: reactive[bool] = reactive(False)
    """Stopped by the reader (``t``)."""

    class HeadlineChosen(Message):
        """``enter`` or a click on a headline: open its article."""

        def __init__(self, ticker: Ticker, headline: Headline) -> None:
            super().__init__()
            self.ticker = ticker
            self.headline = headline

        @property
        def control(self) -> Ticker:
            return self.ticker

    def __init__(
        self,
        *,
        clock: Callable[[], float] | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._clock = clock or monotonic
        self.headlines: list[Headline] = []
        """What scrolls by (set with :meth:`set_headlines`)."""
        self._index = 0
        self._offset = 0.0
        self._since = self._clock()
        self._moving = False
        self._stepping = False
        self._tape: _Tape | None = None
        self._tape_key: tuple[object, ...] = ()

    # -- state ---------------------------------------------------------------------------

    @property
    def stepping(self) -> bool:
        """One headline at a time (animations are off)."""
        return self._stepping

    @property
    def moving(self) -> bool:
        """Neither focused, hovered nor paused (and something to show)."""
        return bool(self.headlines) and not (self.paused or self.has_focus or self.mouse_hover)

    def set_headlines(self, headlines: Sequence[Headline]) -> None:
        """New headlines; the one under the cursor stays current when still there."""
        current = self.current
        self._freeze()
        self.headlines = list(headlines)
        self._tape = None
        ids = [headline.id for headline in self.headlines]
        self._index = ids.index(current.id) if current and current.id in ids else 0
        self._offset = float(self._starts()[self._index]) if self.headlines else 0.0
        self._update()

    @property
    def current_index(self) -> int:
        """Index of the headline at the cursor (the left edge while it scrolls)."""
        if not self.headlines:
            return 0
        now = self._clock()
        if self.stepping:
            steps = int((now - self._since) / self.STEP_SECONDS) if self._moving else 0
            return (self._index + steps) % len(self.headlines)
        tape = self._get_tape()
        position = self._position(now, tape)
        return max(bisect_right(tape.starts, int(position) + 1) - 1, 0)

    @property
    def current(self) -> Headline | None:
        """The headline at the cursor."""
        return self.headlines[self.current_index] if self.headlines else None

    def _position(self, now: float, tape: _Tape) -> float:
        if not self._moving or tape.length == 0:
            return self._offset
        return (self._offset + (now - self._since) * self.SPEED) % tape.length

    def _freeze(self) -> None:
        """Fix the current position as the origin (before any change of motion)."""
        if self.headlines:
            index = self.current_index
            if not self.stepping:
                self._offset = self._position(self._clock(), self._get_tape())
            self._index = index
        self._since = self._clock()

    def _update(self) -> None:
        """Start or stop moving after a change of focus, hover, pause or data."""
        moving = self.moving
        if moving != self._moving:
            self._freeze()
            if not moving and self.has_focus and not self.stepping and self.headlines:
                # Focus snaps to the start of the headline under the cursor (hovering
                # just freezes the tape where it is).
                self._offset = float(self._starts()[self._index])
            self._moving = moving
            self._since = self._clock()
        if not self.is_mounted:
            return
        if moving:
            self.auto_refresh = 0.5 if self.stepping else 1 / self.FPS
        else:
            self.auto_refresh = None
        self.refresh()

    def refresh_motion(self) -> None:
        """Re-read the animation level (it can change while running), keeping the
        current headline."""
        self._freeze()
        self._stepping = self.app.animation_level == "none"
        if self.headlines:
            self._offset = float(self._starts()[self._index])
        self._update()

    def on_mount(self) -> None:
        self._stepping = self.app.animation_level == "none"
        self._update()

    def watch_paused(self) -> None:
        self._update()

    def watch_mouse_hover(self) -> None:
        self._update()

    def watch_has_focus(self, has_focus: bool) -> None:
        # Not on_focus: that runs before Widget sets has_focus.
        super().watch_has_focus(has_focus)
        self._update()

    # -- actions -------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        """Move the cursor by ``delta`` headlines."""
        if not self.headlines:
            return
        self._freeze()
        self._index = (self._index + delta) % len(self.headlines)
        self._offset = float(self._starts()[self._index])
        self._since = self._clock()
        self.refresh()

    def action_open_current(self) -> None:
        headline = self.current
        if headline is not None:
            self.post_message(self.HeadlineChosen(self, headline))

    def on_click(self, event: events.Click) -> None:
        if not self.headlines:
            return
        if self.stepping:
            index = self.current_index
        else:
            tape = self._get_tape()
            cell = int(self._position(self._clock(), tape) + event.x) % max(tape.length, 1)
            index = max(bisect_right(tape.starts, cell) - 1, 0)
        self.post_message(self.HeadlineChosen(self, self.headlines[index]))

    # -- drawing -------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"ticker--{name}", partial=True)

    def _item(self, headline: Headline, current: bool) -> list[Segment]:
        time_style, title_style = self._style("time"), self._style("title")
        if current:
            highlight = self._style("current")
            time_style, title_style = time_style + highlight, title_style + highlight
        title = one_line(headline.title, "(untitled)")
        return [
            Segment(clock_time(headline.published or headline.sort_key), time_style),
            Segment("  ", title_style),
            Segment(title, title_style),
        ]

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._tape = None  # a new theme: colours are baked into the tape

    def _starts(self) -> tuple[int, ...]:
        return self._get_tape().starts

    def _get_tape(self) -> _Tape:
        highlight = self._index if (self.has_focus and not self._moving) else -1
        key = (id(self.headlines), len(self.headlines), highlight, self.size.width)
        if self._tape is not None and key == self._tape_key:
            return self._tape
        segments: list[Segment] = []
        starts: list[int] = []
        position = 0
        separator = self._style("separator")
        for number, headline in enumerate(self.headlines):
            starts.append(position)
            item = self._item(headline, number == highlight)
            item.append(Segment(SEPARATOR, separator))
            segments += item
            position += sum(cell_width(segment.text) for segment in item)
        length = position
        width = max(self.size.width, 1)
        repeats = 1 + (-(-width // length) if length else 0)
        strip = Strip(segments * repeats, length * repeats)
        self._tape = _Tape(strip, length, tuple(starts))
        self._tape_key = key
        return self._tape

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y != 0:
            return Strip.blank(width, base)
        if not self.headlines:
            text = truncate(" No headlines yet", width)
            return (
                Strip([Segment(text, self._style("empty"))])
                .extend_cell_length(width)
                .apply_style(base)
            )
        if self.stepping:
            index = self.current_index
            highlight = self.has_focus and not self._moving
            segments = [Segment(" "), *self._item(self.headlines[index], highlight)]
            counter = f"  {index + 1}/{len(self.headlines)} "
            room = max(width - len(counter), 0)
            strip = Strip.join(
                [
                    Strip(segments).crop_extend(0, room, None),
                    Strip([Segment(counter, self._style("separator"))]),
                ]
            )
            return strip.crop_extend(0, width, None).apply_style(base)
        tape = self._get_tape()
        start = int(self._position(self._clock(), tape))
        return tape.strip.crop(start, start + width).extend_cell_length(width).apply_style(base)
