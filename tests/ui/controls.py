"""Setting a Gradio slider from a test the way a user does: type the number, see the slider take it."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: How long one typed value may take to reach the slider before it is typed again.
SETTLE_MS = 5_000
ATTEMPTS = 6


def set_slider(page, elem_id: str, value: int | float) -> None:
    """Type ``value`` into the slider's number box until its range input shows it.

    Why retry: a slider inside an accordion that has just opened (or a page still hydrating under
    load) can be mounted again after the first keystrokes, and the new element starts from the
    default. Typing again is what a user would do; failing after several tries still fails the test.
    """
    number = page.locator(f"#{elem_id} input[type=number]")
    expected = str(value)
    for _ in range(ATTEMPTS):
        number.fill(expected)
        number.press("Tab")  # blur commits the typed value (clamped to the slider's range)
        try:
            page.wait_for_function(
                "([sel, want]) => document.querySelector(sel)?.value === want",
                arg=[f"#{elem_id} input[type=range]", expected],
                timeout=SETTLE_MS,
            )
            return
        except PlaywrightTimeout:
            continue
    shown = page.locator(f"#{elem_id} input[type=range]").input_value()
    raise AssertionError(f"slider #{elem_id} shows {shown!r} after typing {expected!r} {ATTEMPTS} times")
