"""How the studio looks: a theme on system fonts and a little CSS (``mount.py`` passes them to Gradio).

System fonts only: the page must not fetch fonts or anything else from a CDN (there may be no internet,
and it leaks visitors to third parties).
"""

from __future__ import annotations

import gradio as gr

__all__ = ["FAMILY_CLICK_JS", "PROGRESS_CSS", "SECTION_CLICK_JS", "STUDIO_CSS", "STUDIO_JS", "studio_theme"]

_SANS = (
    "ui-sans-serif",
    "system-ui",
    "-apple-system",
    "Segoe UI",
    "Roboto",
    "Helvetica",
    "Arial",
    "sans-serif",
)
_MONO = ("ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace")

#: Page-wide rules (passed to the mount): links in the download bar read as buttons.
STUDIO_CSS = """
.mg-downloads { display: flex; flex-wrap: wrap; gap: 0.5rem; }
.mg-download { padding: 0.25rem 0.75rem; border: 1px solid var(--border-color-primary);
  border-radius: var(--radius-md); text-decoration: none; }
.mg-download:hover { background: var(--background-fill-secondary); }
#mg-waveform svg { display: block; }
#mg-waveform .mg-section { cursor: pointer; }
#mg-waveform .mg-section:hover line { stroke-width: 3; }
#mg-waveform .mg-extend-end { cursor: pointer; }
#mg-waveform .mg-extend-end:hover rect { fill-opacity: 0.25; }
.mg-ab-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 0.75rem; }
.mg-ab-side { display: flex; flex-direction: column; gap: 0.35rem; }
.mg-ab-side audio { width: 100%; }
.mg-ab-play[aria-pressed="true"] { font-weight: 700; outline: 2px solid var(--color-accent); }
.mg-family ul { margin: 0; padding-left: 1.2rem; }
#mg-history tbody tr { cursor: pointer; }
#mg-history tbody tr:hover td { background: var(--background-fill-secondary); }
"""

#: Keyboard: Enter in the prompt generates (Shift+Enter makes a new line), and Ctrl+Enter (Cmd+Enter)
#: generates from anywhere. Both press the Generate button, so they do exactly what a click does.
#: Space plays or pauses the mix, unless focus is where a space is typed or pressed (a field, a button).
STUDIO_JS = """
() => {
  document.addEventListener('keydown', (event) => {
    if (event.key !== ' ' || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = event.target;
    if (target.closest && target.closest('input, textarea, select, button, [contenteditable=""], '
        + '[contenteditable=true], [role=textbox], [role=slider], [role=listbox], [role=option]')) return;
    const play = document.querySelector('#mg-player button.play-pause-button');
    if (!play) return;
    event.preventDefault();
    play.click();
  }, true);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return;
    const inPrompt = event.target.closest && event.target.closest('#mg-prompt');
    const withModifier = event.ctrlKey || event.metaKey;
    if (!withModifier && !(inPrompt && !event.shiftKey)) return;
    const button = document.querySelector('#mg-generate');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  }, true);
  // says the shortcuts are listening (they start once the app has loaded, a moment after the page shows)
  document.documentElement.dataset.mgKeys = 'on';
}
"""

#: The waveform's section markers are clickable: a click sends the section's index as a ``select`` event
#: (the wiring picks it in the Regenerate list). Its listener sits on the component, which outlives the SVG
#: redrawn for each track.
SECTION_CLICK_JS = """
const extendFromEnd = () => {
  trigger('select', {index: -1, value: 'extend'});
  // the Edit panel opens on the server's answer: then put the focus on Extend (Enter or a click starts it)
  let tries = 0;
  const focus = () => {
    const button = document.querySelector('#mg-extend');
    if (button && button.offsetParent !== null) { button.focus(); return; }
    if (++tries < 50) setTimeout(focus, 100);
  };
  focus();
};
element.addEventListener('click', (event) => {
  if (event.target.closest && event.target.closest('.mg-extend-end')) { extendFromEnd(); return; }
  const marker = event.target.closest && event.target.closest('.mg-section');
  if (!marker) return;
  trigger('select', {index: Number(marker.dataset.index), value: marker.dataset.name});
});
element.addEventListener('keydown', (event) => {
  if ((event.key === 'Enter' || event.key === ' ') && event.target.closest
      && event.target.closest('.mg-extend-end')) { event.preventDefault(); extendFromEnd(); }
});
"""

#: A/B comparison: each Play button plays its track from where the one playing (or last played) had got
#: to, and pauses the others, so the ear hears the same bar in each. The listener sits on the component
#: (it outlives the players drawn for each track).
COMPARE_JS = """
element.addEventListener('click', (event) => {
  const button = event.target.closest && event.target.closest('.mg-ab-play');
  if (!button) return;
  const players = [...element.querySelectorAll('audio.mg-ab-audio')];
  const target = players.find((audio) => audio.dataset.side === button.dataset.side);
  if (!target) return;
  const current = players.find((audio) => !audio.paused)
    || players.find((audio) => audio.dataset.side === element.dataset.lastSide);
  const position = current ? current.currentTime : target.currentTime;
  players.forEach((audio) => { if (audio !== target) audio.pause(); });
  target.currentTime = Math.min(position, Number.isFinite(target.duration) ? target.duration : position);
  target.play();
  element.dataset.lastSide = button.dataset.side;
  element.querySelectorAll('.mg-ab-play')
    .forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
});
"""

#: A plain click on a family link opens that track in place (a ``select`` event with its id) rather than
#: reloading the page; the link's ``/?track=ID`` still serves a new tab or a copied address.
FAMILY_CLICK_JS = """
element.addEventListener('click', (event) => {
  const link = event.target.closest && event.target.closest('a.mg-family-link');
  if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  trigger('select', {index: 0, value: link.dataset.track});
});
"""

#: Scoped to the status component (``gr.HTML(css_template=...)``), so it works with any mount.
PROGRESS_CSS = """
.mg-bar { height: 0.6rem; border-radius: 999px; overflow: hidden; background: var(--neutral-200); }
.mg-bar-fill { height: 100%; background: var(--color-accent); transition: width 0.4s ease; }
.mg-progress-label { font-size: var(--text-sm); margin-bottom: 0.25rem; }
.mg-error { color: var(--error-text-color, #b91c1c); background: var(--error-background-fill, #fef2f2);
  border: 1px solid var(--error-border-color, #fca5a5); border-radius: var(--radius-md);
  padding: 0.5rem 0.75rem; }
.mg-notice { color: var(--body-text-color-subdued); font-size: var(--text-sm); }
"""


def studio_theme() -> gr.themes.Base:
    """The studio's theme: Gradio's default palette on the visitor's own system fonts."""
    return gr.themes.Default(primary_hue="indigo", secondary_hue="sky", font=_SANS, font_mono=_MONO)
