"""The cyclic garbage collector runs on the GUI thread only while the app (or these tests) run."""
from __future__ import annotations

import gc
import threading

from nnbuilder.app.gc_on_gui_thread import GuiThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_worker_threads_do_not_collect_and_the_gui_thread_does(qapp, qtbot, collect_on_the_gui_thread) -> None:
    assert not gc.isenabled()  # started for the whole tests/app package, as run_app starts it
    collected_in: list[str] = []
    gc.callbacks.append(lambda phase, _info: phase == "start" and collected_in.append(threading.current_thread().name))
    try:
        def allocate() -> None:
            for _ in range(50_000):
                _Cycle()

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert "worker" not in collected_in  # 50,000 cycles allocated there, no collection ran there
        qtbot.waitUntil(lambda: "MainThread" in collected_in, timeout=5000)  # the timer collects them here
    finally:
        gc.callbacks.pop()


def test_stop_gives_collection_back_to_python(qapp) -> None:
    was = gc.isenabled()
    gc.enable()
    collector = GuiThreadCollector(qapp).start()
    assert not gc.isenabled() and collector.timer.isActive()
    collector.stop()
    assert gc.isenabled() and not collector.timer.isActive()
    (gc.enable if was else gc.disable)()
