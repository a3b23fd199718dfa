"""Signed certificate PDFs per second: the standard path (WeasyPrint + pyHanko) against the fast path.

Each path runs in ``processes`` long-lived worker processes (multiprocessing), each with
its own Flask app and warmed up first (templates, fonts, one certificate per layout),
so the figures are the steady state of a bulk run. Reported: PDFs per second (wall
clock over the whole batch) and CPU milliseconds per PDF (``time.process_time`` in the
workers). Signing keys are development keys in a temporary folder.

    .venv/bin/python benchmarks/certificates_pdf.py --count 2000
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NAMES = [
    "Әлихан Өмірзақұлы",
    "Айгерім Нұрланқызы",
    "Иван Петров",
    "Анна-Мария Сергеевна Кузнецова-Белова",
    "John Smith",
    "Жасұлан-Әлихан Серікбаев Нұрсұлтанұлы Өмірзақұлы-Темірболатов",
    "Ә",
    "Mary O'Neil",
]
TITLES = ["Жасанды интеллект негіздері", "Машинное обучение на Python", "Data analysis with Python and statistics"]
LAYOUTS = ("kk", "ru", "en", "kk-en")

_state: dict[str, Any] = {}


def _facts(index: int) -> Any:
    from certificates import pdf

    serial = f"{index:013d}"
    display = f"{serial[:4]}-{serial[4:8]}-{serial[8:12]}-{serial[12:]}"
    url = f"https://aiskills.example/verify/{display}"
    return pdf.PdfFacts(
        serial=serial,
        display_serial=display,
        holder_name=NAMES[index % len(NAMES)],
        course_title=TITLES[index % len(TITLES)],
        grade=70 + index % 30,
        hours=12 + index % 60,
        issued_at=datetime.datetime(2026, 1, 1) + datetime.timedelta(days=index % 365),
        language="kk",
        verification_url=url,
        issuer_name="AI Skills",
        signatory_name="Айгүл Серікқызы",
        signatory_title=dict(pdf.DEFAULT_SIGNATORY_TITLE),
        credential={"id": url, "type": ["VerifiableCredential", "OpenBadgeCredential"], "name": NAMES[0], "n": index},
    )


def _start(keys_dir: str, path: str) -> None:
    from lms.app import create_app

    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": "sqlite://",
            "SIGNING_KEY_FILE": os.path.join(keys_dir, "credentials-ed25519.pem"),
            "STORAGE_DIR": keys_dir,
        }
    )
    context = app.app_context()
    context.push()
    from certificates import fastpdf, pdfsign

    _state.update(
        app=app,
        context=context,
        material=pdfsign.signing_material(app),
        labels=fastpdf.SigningLabels("Certificate", "Kazakhstan", "AI Skills"),
        path=path,
    )
    for layout in LAYOUTS:  # warm up: templates, fonts, signer
        _one(0, layout)


def _one(index: int, layout: str) -> int:
    from certificates import fastpdf

    make = fastpdf.standard_pdf if _state["path"] == "standard" else fastpdf.signed_pdf
    data = make(_facts(index), layout, _state["material"], _state["labels"])
    return len(data)


def _batch(indices: list[int]) -> tuple[float, int]:
    started = time.process_time()
    size = sum(_one(index, LAYOUTS[index % len(LAYOUTS)]) for index in indices)
    return time.process_time() - started, size


def _measure(path: str, count: int, processes: int, keys_dir: str) -> dict[str, float]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes, initializer=_start, initargs=(keys_dir, path)) as pool:
        pool.map(_batch, [[i] for i in range(processes)])  # every worker has started
        chunk = max(1, min(50, count // (processes * 4)))
        batches = [list(range(start, min(start + chunk, count))) for start in range(0, count, chunk)]
        started = time.perf_counter()
        results = pool.map(_batch, batches, chunksize=1)
        wall = time.perf_counter() - started
    cpu = sum(seconds for seconds, _ in results)
    size = sum(total for _, total in results)
    return {
        "pdfs": count,
        "seconds": round(wall, 2),
        "pdfs_per_second": round(count / wall, 1),
        "cpu_ms_per_pdf": round(cpu / count * 1000, 2),
        "bytes_per_pdf": round(size / count),
    }


def measure_pdfs(count: int, processes: int = 2, baseline_count: int | None = None) -> dict[str, Any]:
    """Time the standard loop and the fast path, ``processes`` workers each; ``count`` PDFs per path.

    ``baseline_count`` (default ``count // 10``, at least 20) limits the slow standard loop.
    """
    keys_dir = tempfile.mkdtemp(prefix="lms-bench-keys-")
    _start(keys_dir, "fast")  # makes the development keys once, before the workers read them
    _state["context"].pop()
    standard = _measure("standard", baseline_count or max(20, count // 10), processes, keys_dir)
    fast = _measure("fast", count, processes, keys_dir)
    return {
        "processes": processes,
        "cpus": os.cpu_count(),
        "standard": standard,
        "fast": fast,
        "speedup": round(fast["pdfs_per_second"] / standard["pdfs_per_second"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="fast-path PDFs (default 2000)")
    parser.add_argument("--baseline-count", type=int, default=None, help="standard-path PDFs (default count/10)")
    parser.add_argument("--processes", type=int, default=2)
    options = parser.parse_args()
    print(json.dumps(measure_pdfs(options.count, options.processes, options.baseline_count), indent=2))


if __name__ == "__main__":
    main()
