"""The editor's first frame rebuilt in plain PySide6, with no nnbuilder code: the toolkit's floor.

``bench_editor.py`` launches this next to ``python -m nnbuilder`` and a bare ``QMainWindow``. It shows
what the editor's first frame shows on the seed example, written as directly as PySide6 allows: the
menu bar (5 menus, 29 actions, the editor's shortcuts), the Layers dock (search box, 13 bold categories,
44 layers), the Inspector's placeholder, the Model summary table tabbed with Problems, a hidden Training
dock, the canvas (grid, 7 nodes with title, type and ports, 6 curved edges, a minimap view in its
corner) and the status bar. Whatever this costs over the bare window, any PySide6 window showing that
content pays; what ``nnbuilder`` costs over this is the application's own start-up.

Like the bare window it prints ``window shown`` once its first frame is painted; ``--screenshot PATH``
also saves that frame.
"""
import sys

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QGraphicsEllipseItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QTableWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

MENUS = {
    "&File": [("&New", "Ctrl+N"), ("&Open…", "Ctrl+O"), ("Open &Recent", ""), ("E&xamples", ""),
              ("&Save", "Ctrl+S"), ("Save &As…", "Ctrl+Shift+S"), ("&Export Python…", "Ctrl+E"), ("&Quit", "Ctrl+Q")],
    "&Edit": [("&Undo", "Ctrl+Z"), ("&Redo", "Ctrl+Shift+Z"), ("Cu&t", "Ctrl+X"), ("&Copy", "Ctrl+C"),
              ("&Paste", "Ctrl+V"), ("&Duplicate", "Ctrl+D"), ("De&lete", "Del"), ("Select &All", "Ctrl+A"),
              ("&Quick Add Layer…", "Tab")],
    "&View": [("&Frame All", "F"), ("Auto &Layout", "Ctrl+L"), ("&Minimap", "Ctrl+M"), ("&Theme", ""),
              ("&Panels", "")],
    "&Train": [("Training &Dashboard", "Ctrl+T"), ("&Start Training", "F5"), ("&Pause / Resume", "F6"),
               ("S&top", "Shift+F5"), ("Find &Learning Rate", "")],
    "&Help": [("&Keyboard Shortcuts", "F1"), ("&About nnbuilder", "")],
}
CATEGORIES = [("Input/Output", 2), ("Dense", 1), ("Regularisation", 2), ("Reshape", 6), ("Activation", 10),
              ("Convolution", 2), ("Pooling", 6), ("Normalisation", 4), ("Recurrent", 3), ("Attention", 2),
              ("Embedding", 1), ("Merge", 3), ("Pretrained", 2)]
NODES = [("in", "Input"), ("fc1", "Linear"), ("act1", "ReLU"), ("fc2", "Linear"), ("act2", "ReLU"),
         ("fc3", "Linear"), ("out", "Output")]


class Canvas(QGraphicsView):
    """A graphics view with a grid background, as any node editor draws it."""

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, QColor("#f3f4f6"))
        painter.setPen(QPen(QColor("#dfe2e6"), 1))
        left, top = int(rect.left()) - int(rect.left()) % 40, int(rect.top()) - int(rect.top()) % 40
        for x in range(left, int(rect.right()) + 1, 40):
            painter.drawLine(x, int(rect.top()), x, int(rect.bottom()))
        for y in range(top, int(rect.bottom()) + 1, 40):
            painter.drawLine(int(rect.left()), y, int(rect.right()), y)


def build() -> QMainWindow:
    window = QMainWindow()
    window.resize(1280, 760)
    window.setWindowTitle("seed regression[*] — nnbuilder")
    for title, actions in MENUS.items():
        menu = window.menuBar().addMenu(title)
        for text, keys in actions:
            action = QAction(text, window)
            if keys:
                action.setShortcut(QKeySequence(keys))
            menu.addAction(action)

    scene = QGraphicsScene(window)
    bold = QFont()
    bold.setBold(True)
    for i, (name, kind) in enumerate(NODES):
        node = QGraphicsRectItem(0, 0, 150, 52)
        node.setPos(260 * i, 0)
        node.setBrush(QColor("white"))
        node.setPen(QPen(QColor("#9aa0a6"), 1))
        node.setFlags(QGraphicsRectItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsRectItem.GraphicsItemFlag.ItemIsSelectable)
        title = QGraphicsSimpleTextItem(name, node)
        title.setFont(bold)
        title.setPos(10, 6)
        QGraphicsSimpleTextItem(kind, node).setPos(10, 26)
        for x in (0, 150):
            port = QGraphicsEllipseItem(x - 4, 22, 8, 8, node)
            port.setBrush(QColor("#5f6368"))
        scene.addItem(node)
        if i:
            path = QPainterPath(QPointF(260 * i - 110, 26))
            path.cubicTo(260 * i - 55, 26, 260 * i - 55, 26, 260 * i, 26)
            scene.addItem(QGraphicsPathItem(path))
    canvas = Canvas(scene)
    canvas.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    canvas.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    canvas.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    canvas.scale(0.42, 0.42)
    minimap = QGraphicsView(scene, canvas)
    minimap.setGeometry(520, 400, 220, 60)
    minimap.setInteractive(False)
    minimap.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
    window.setCentralWidget(canvas)

    def dock(title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        d = QDockWidget(title, window)
        d.setWidget(widget)
        window.addDockWidget(area, d)
        return d

    layers = QWidget()
    column = QVBoxLayout(layers)
    column.addWidget(QLineEdit(placeholderText="Search layers…"))
    tree = QTreeWidget()
    tree.setHeaderHidden(True)
    for category, count in CATEGORIES:
        top = QTreeWidgetItem(tree, [category])
        top.setFont(0, bold)
        for j in range(count):
            QTreeWidgetItem(top, [f"{category[:4]}{j}"])
    tree.expandAll()
    column.addWidget(tree)
    dock("Layers", layers, Qt.DockWidgetArea.LeftDockWidgetArea)
    inspector = QLabel("Select one node to edit its parameters.")
    inspector.setAlignment(Qt.AlignmentFlag.AlignCenter)
    inspector.setEnabled(False)
    dock("Inspector", inspector, Qt.DockWidgetArea.RightDockWidgetArea)
    table = QTableWidget(0, 5)
    table.setHorizontalHeaderLabels(["Node", "Type", "Output shape", "Params", "Trainable"])
    summary = dock("Model summary", table, Qt.DockWidgetArea.BottomDockWidgetArea)
    problems = dock("Problems", QListWidget(), Qt.DockWidgetArea.BottomDockWidgetArea)
    window.tabifyDockWidget(summary, problems)
    training = dock("Training", QLabel("Loading the training dashboard…"), Qt.DockWidgetArea.BottomDockWidgetArea)
    window.tabifyDockWidget(problems, training)
    training.hide()
    summary.raise_()
    window.statusBar().addPermanentWidget(QLabel("analysing…"))
    return window


class FirstFrame(QObject):
    """Reports the first painted frame, as nnbuilder and the bare window do."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        window.windowHandle().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Expose and self.window.windowHandle().isExposed():
            QTimer.singleShot(0, self.shown)  # after the expose's paint
        return False

    def shown(self) -> None:
        print("window shown; torch imported:", "torch" in sys.modules, file=sys.stderr, flush=True)
        QApplication.quit()


if __name__ == "__main__":
    app = QApplication([*sys.argv[:1], "-style", "Fusion"])
    main_window = build()
    main_window.show()
    watch = FirstFrame(main_window)
    if "--screenshot" in sys.argv:  # --screenshot PATH: to compare it with the editor's first frame
        path = sys.argv[sys.argv.index("--screenshot") + 1]
        QTimer.singleShot(0, lambda: main_window.grab().save(path))
    app.exec()
