"""Progress reporting: a rich display for the CLI, a silent one for library use and tests."""

from __future__ import annotations

from typing import Callable, Protocol

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task,
                           TextColumn, TimeElapsedColumn, TimeRemainingColumn)
from rich.text import Text

Advance = Callable[[int], None]


class Reporter(Protocol):
    def task(self, description: str, total: int | None) -> Advance: ...

    def reset(self, advance: Advance) -> None: ...

    def note(self, text: str) -> None: ...


class Silent:
    """Reports nothing."""

    def task(self, description: str, total: int | None) -> Advance:
        return lambda n: None

    def reset(self, advance: Advance) -> None:
        pass

    def note(self, text: str) -> None:
        pass


class Notes(Silent):
    """Shows nothing and keeps the notes a render prints (``lines``): what a test or a benchmark reads back."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, text: str) -> None:
        self.lines.append(text)


class SecondsPerItem(ProgressColumn):
    """Seconds per completed item: the number that tells how long a video will take."""

    def render(self, task: Task) -> Text:
        if not task.completed or not task.elapsed:
            return Text("-- s/it", style="progress.remaining")
        rate = task.completed / task.elapsed  # aggregate: over all workers when several feed one bar
        return Text(f"{task.elapsed / task.completed:.2f} s/it {rate:.2f}/s", style="progress.remaining")


class RichReporter:
    """Bars on stderr with count, elapsed, ETA and s/item."""

    def __init__(self, console: Console | None = None, translate: Callable[[str], str] = str) -> None:
        """``translate`` turns a note's `setting` names into what the user types (the CLI: flags)."""
        self.translate = translate
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), SecondsPerItem(),
            console=console or Console(stderr=True), transient=False)
        self._tasks: dict[int, int] = {}

    def __enter__(self) -> "RichReporter":
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress.live.is_started:
            self.progress.stop()

    def task(self, description: str, total: int | None) -> Advance:
        """Add a bar; the display starts with the first one, so early errors print alone."""
        if not self.progress.live.is_started:
            self.progress.start()
        task_id = self.progress.add_task(description, total=total)

        def advance(n: int) -> None:
            self.progress.advance(task_id, n)

        self._tasks[id(advance)] = task_id
        return advance

    def reset(self, advance: Advance) -> None:
        """Restart a bar (the per-frame step bar, for each new frame)."""
        self.progress.reset(self._tasks[id(advance)])

    def note(self, text: str) -> None:
        """One line above the bars (what a resume keeps, how many octaves fit ...).

        Notes name settings in backticks, like errors; the caller's ``translate`` words them.
        """
        self.progress.console.print(self.translate(text), markup=False, highlight=False)
