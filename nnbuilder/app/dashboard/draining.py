"""The dashboard's draining of a running job: one timer tick takes the buffered events and redraws."""
from __future__ import annotations

import time
from typing import Any

from nnbuilder.app.dashboard.frames import PAINT, SLOW_VIEW_S
from nnbuilder.app.dashboard.resuming import saved_text
from nnbuilder.app.dashboard.status import describe_result, progress_text
from nnbuilder.app.dashboard.worker import TrainingJob

FAILED_TEXT = "Could not train: see the message below."


class _Draining:
    """Mixin of :class:`~nnbuilder.app.dashboard.panel.Dashboard`: the timer's tick, the redraws, the run's end."""

    # ------------------------------------------------------------------ draining
    def _tick(self) -> None:
        job = self.job
        if job is None:
            self.timer.stop()
            return
        started = time.perf_counter()
        painted = PAINT.take()  # the paint events of the previous frame
        box = job.buffer.drain()
        if box.empty and not box.ended:
            self._pace(started, painted)
            return
        self.updates += 1
        if box.plan is not None:
            self._on_plan(job, box.plan)
        self.curves.add(box)
        if box.probes:
            self.inside.add_probes(box.probes)
            if self._pending_layer and self.inside.select_layer(self._pending_layer):
                self._pending_layer = None
        if box.pinned is not None:
            self.inside.set_pinned(box.pinned)
        if box.boundary is not None:
            self.results.set_boundary(box.boundary, box.boundaries)
        if box.outcome is not None:
            self.results.set_outcome(box.outcome)
        if box.lr_finder is not None:
            self.lr_view.set_result(box.lr_finder)
        self.fit_view.take(box)
        self.embedding_view.take(box)
        if box.progress:
            self._progress = box.progress
        if box.ended:
            self._redraw(everything=True)
            self._on_end(job, box)
            return
        self._redraw()
        self._pace(started, painted)

    def _redraw(self, everything: bool = False) -> None:
        """Redraw one view on screen that has news (all of them with ``everything``: the run's last frame).

        One plot per frame keeps every frame short, so the event loop never waits long; the
        views take turns, and with up to 30 frames a second each still updates several times a second.
        """
        now = time.perf_counter()
        if everything:
            self.curves.redraw()
            self.inside.redraw()
            self.results.redraw()
            self.fit_view.redraw()
            self.embedding_view.redraw()
            self._show_progress(now)
        else:
            views = [lambda: self.curves.isVisible() and self.curves.redraw(limit=1),
                     lambda: (self.inside.isVisible() and now - self.inside.drawn_at >= SLOW_VIEW_S
                              and self.inside.redraw()),
                     lambda: self.results.isVisible() and self.results.redraw(),
                     lambda: self.fit_view.isVisible() and self.fit_view.redraw(),
                     lambda: self.embedding_view.isVisible() and self.embedding_view.redraw(),
                     lambda: now - self._last_status >= SLOW_VIEW_S / 2 and self._show_progress(now)]
            for i in range(len(views)):
                turn = (self._turn + i) % len(views)
                if views[turn]():
                    self._turn = turn + 1
                    break
        self._want_boundary()

    def _show_progress(self, now: float) -> bool:
        """Progress bar and status line (a progress bar repaints at once: it gets a frame of its own)."""
        if self._progress is not None and self.progress.maximum() > 0:
            self._last_status = now
            self.progress.setValue(self._progress[0])
            self.status.setText(progress_text(self._progress, self.progress.maximum(), self._plan,
                                              now - self._started, self.job.paused))
            return True
        return False

    def _want_boundary(self) -> None:
        """Live decision boundaries are computed (in the training process) only while they are on screen."""
        if self.job is not None:
            curve = self.fit_view.isVisible() and self.fit_view.saved_folder is None  # not while a saved run shows
            live = self.results.isVisible() or curve  # the boundary's and the curve's probes
            (self.job.boundary_wanted.set if live else self.job.boundary_wanted.clear)()

    def _pace(self, started: float, painted: float) -> None:
        """Space the frames so that redrawing stays within the frame budget."""
        interval = self.pacer.interval(time.perf_counter() - started + painted)
        self.timer.setInterval(round(interval * 1000))

    def _on_plan(self, job: TrainingJob, plan: Any) -> None:
        self._plan = plan
        info = job.info
        from nnbuilder.training import preview_schedule

        planned = preview_schedule(info.config, plan.steps_per_epoch)
        self.curves.set_preview(list(planned), planned.note)  # before reset: the run's axes then follow progress
        self.curves.reset(info.task, plan.steps_per_epoch, plan.epochs)
        types = {info.attr_of.get(n.id, n.id): n.type for n in job.project.graph.nodes}
        self.inside.reset(types)
        self.progress.setRange(0, plan.total_steps)
        self._started = time.perf_counter()
        self._show_migration(job)

    def _on_end(self, job: TrainingJob, box: Any) -> None:
        self.timer.stop()
        self._sync_buttons()
        if box.error:
            self.say(box.error)
            self.status.setText(FAILED_TEXT if job.kind == "train" else
                                "The LR range test could not run.")
            self.runFailed.emit(box.error)
            return
        if job.kind == "lr_finder":
            self.status.setText("LR range test done.")
            self.lrFound.emit(box.result)
            return
        result = box.result
        record = self.last_run = self.history.add(self.project.name, self.curves.losses.x,
                                                  self.curves.losses.smoothed, result, job.trained)
        record.project_copy = job.project
        self.progress.setValue(self.progress.maximum() if result.stop_reason == "completed" else self.progress.value())
        self.status.setText(describe_result(result) + saved_text(job.saved, result.stop_reason))
        if result.message or (job.saved is not None and job.saved.error):
            self.say("\n".join(m for m in (result.message, job.saved.error if job.saved else "") if m))
        if job.saved is None:  # the training process wrote no folder (a completed run): the dashboard writes it
            self.autosave(record, job.options.run_dir)
        elif job.saved.folder:  # Stop or a resumed run: the process wrote it; listed, not written twice
            self.autosave(record, written=job.saved.folder)
        self._sync_buttons()
        self.runFinished.emit(result)

    def _show_overlays(self) -> None:
        self._show_overlays_of(self.project.name)

    def _show_overlays_of(self, name: str) -> None:
        runs = self.history.of_project(name) if self.overlay_box.isChecked() else []
        self.curves.set_overlays([(r.label, r.x, r.smoothed) for r in runs])
