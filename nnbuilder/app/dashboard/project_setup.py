"""The dashboard follows the edited project: its data and training sections, the data preview, the planned LR.

Showing another project empties the dashboard (its last run stays in the run history); an edit in
the setup panel becomes one undoable command on the project (a data set change brings its loss,
metric and output size along, see :mod:`~nnbuilder.app.dashboard.commands`); the learning-rate
schedule is planned again whenever the setup or the loaded data set changes.
"""
from __future__ import annotations

from nnbuilder.app.dashboard.commands import follow_data_set
from nnbuilder.app.undo import push
from nnbuilder.graph.project import Project
from nnbuilder.graph.section_commands import SetSections
from nnbuilder.sections import data_batch_size


class _ProjectSetup:
    """Mixin of :class:`~nnbuilder.app.dashboard.panel.Dashboard` (``setup``, ``data_view``, ``curves``, views...)."""

    def set_project(self, project: Project, path: str | None = None) -> None:
        """Show ``project``'s data and training sections (a running job of another project is stopped)."""
        if self.running and project is not self.project:
            self.shutdown(remove_checkpoints=False)
        if project is not self.project:
            self._forget_run(project)
        self.project, self.project_path = project, path
        self.setup.set_project(project)
        self.setup.load(project.data, project.training)
        self.request_preview(self.setup.data)
        self._update_lr_preview()
        self.runs.refresh()  # this project's saved runs

    def _forget_run(self, project: Project) -> None:
        """Another project: its dashboard starts empty (the last run stays in the history, per project)."""
        info = self.setup.datasets.get((project.data or {}).get("dataset"))
        self._expected, self._plan, self._progress = None, None, None
        self.last_run = None  # "Save run…" never writes another project's run
        self.data_view.result = None  # the last project's data: its task must not name this one's metric
        self.curves.reset(info.task if info is not None and info.task != "auto" else "classification")
        self.inside.reset()
        self.results.reset()
        self.fit_view.reset()
        self.embedding_view.reset()
        self.progress.setValue(0)
        self.status.setText("Ready.")
        self.say("")
        self.tell("")
        self._show_overlays_of(project.name)
        self._sync_buttons()

    def request_preview(self, data: dict | None) -> None:
        """Preview ``data`` with its paths resolved against the project file's folder."""
        from nnbuilder.data.paths import resolve_data_paths

        self.data_view.request(resolve_data_paths(data, self.project.folder), self._seed())

    def _seed(self) -> int:
        seed = (self.project.training or {}).get("seed", 0)
        return seed if isinstance(seed, int) else 0

    def _on_edited(self, data: dict, training: dict, what: str) -> None:
        data_changed = data != self.project.data
        info = self.setup.datasets.get(data.get("dataset")) if what == "dataset" else None
        if info is not None:
            follow_data_set(self, info, data, training)
        else:
            self.tell("")
            push(self.stack, self.project.graph,
                 SetSections(self.project, (data, training), f"Change {what}", self._refresh))
        if data_changed:
            self.request_preview(data)
        self._update_lr_preview()

    def _refresh(self) -> None:
        """After undo/redo: show the project's sections unless the panel already shows them."""
        if (self.setup.data, self.setup.training) != (self.project.data, self.project.training):
            data_changed = self.setup.data != self.project.data
            self.setup.load(self.project.data, self.project.training)
            if data_changed:
                self.request_preview(self.setup.data)
            self._update_lr_preview()

    def _on_data_loaded(self, result: dict) -> None:
        self.results.set_points(result.get("preview"))
        self._update_lr_preview()

    def _preview_typed_epochs(self, text: str) -> None:
        if text.strip().isdigit() and int(text) > 0:
            self._update_lr_preview({**self.setup.training, "epochs": int(text)})

    def _update_lr_preview(self, training: dict | None = None) -> None:
        """Plan the LR schedule for the current setup (needs the data set's size); show problems as a message."""
        from nnbuilder.training import ConfigError, TrainingConfig, preview_schedule

        loaded = self.data_view.result or {}
        if "error" in loaded:
            self.say(loaded["error"])
            return
        try:
            config = TrainingConfig.from_dict(training or self.setup.training)
        except ConfigError as exc:
            self.say("\n".join(f"{where}: {message}" for where, message in exc.problems))
            return
        if not self.running:
            self.say("")
        if "train_size" in loaded:
            batch = config.batch_size or data_batch_size(self.setup.data)
            steps_per_epoch = max(1, -(-loaded["train_size"] // batch))
            planned = preview_schedule(config, steps_per_epoch)
            self.curves.set_preview(list(planned), planned.note, steps_per_epoch)
            self._expected = (loaded.get("task", "classification"), steps_per_epoch, config.epochs)
            if not self.running:
                self.curves.show_task(self._expected[0])
