"""Screenshots and recordings in a session served to a browser: downloads, not files on the server.

In a terminal, ctrl+s and ctrl+r write into the working directory. In a browser session started by
`chainstep serve`, the student's files belong on the student's machine: ctrl+s sends the SVG to
the browser as a download (Textual's `deliver_text`), and ctrl+r records into a private temporary
folder whose cast is sent as a download when the recording stops, then deleted.
"""
from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path

from textual.app import App

from ..recording.cast import keylog_path_for
from ..recording.recorder import scenario_name

MAX_DELIVERY_BYTES = 64_000_000   # a longer cast is cut off at a whole line; it is a download, not an archive


def download_name(app: App, suffix: str) -> str:
    """`chainstep-xor-20261123-062400.svg`: the name the browser saves it under."""
    return f"chainstep-{scenario_name(app) or 'session'}-{time.strftime('%Y%m%d-%H%M%S')}{suffix}"


class ServedDownloads(App):
    """Mixed in before RecordingControls: in a served session, ctrl+s and ctrl+r deliver to the browser."""

    _served_tmp: str | None = None

    def action_save_svg(self) -> None:
        if getattr(self, "served", None) is None:
            return super().action_save_svg()   # type: ignore[misc]
        name = download_name(self, ".svg")
        self.deliver_text(io.StringIO(self.export_screenshot()), save_filename=name, mime_type="image/svg+xml")
        self.notify(f"{name} is on its way to your browser's downloads", title="Screenshot")

    def action_toggle_recording(self) -> None:
        if getattr(self, "served", None) is None:
            return super().action_toggle_recording()   # type: ignore[misc]
        recorder = getattr(self, "recorder", None)
        if recorder is not None and recorder.running:
            path = self.stop_recording()   # type: ignore[attr-defined]
            if path is not None:
                self._deliver_cast(Path(path))
            return
        if self._served_tmp is None:
            self._served_tmp = tempfile.mkdtemp(prefix="chainstep-served-")   # mode 0700: this session only
        self.recording_dir = self._served_tmp
        super().action_toggle_recording()   # type: ignore[misc]

    def _deliver_cast(self, path: Path) -> None:
        try:
            with path.open("rb") as f:
                data = f.read(MAX_DELIVERY_BYTES)
        except OSError as exc:
            self.notify(f"The recording could not be read back: {exc.strerror or exc}", title="Recording",
                        severity="error")
            return
        finally:
            for p in (path, keylog_path_for(path)):
                p.unlink(missing_ok=True)
        if len(data) == MAX_DELIVERY_BYTES:
            data = data[: data.rfind(b"\n") + 1]
        name = download_name(self, ".cast")
        self.deliver_binary(io.BytesIO(data), save_filename=name, mime_type="application/x-asciicast")
        self.notify(f"{name} is on its way to your browser's downloads (play it with asciinema play)",
                    title="Recording stopped")

    def on_unmount(self) -> None:
        if self._served_tmp is not None:
            shutil.rmtree(self._served_tmp, ignore_errors=True)
