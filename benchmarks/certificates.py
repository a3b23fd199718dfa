#!/usr/bin/env python3
"""Certificate throughput, one function per measured section.

    .venv/bin/python benchmarks/certificates.py [--only credentials|pdfs|verification] [--count 20000]
        [--baseline-count 400] [--pdf-count 2000] [--pdf-baseline-count 200]

Sections: credentials (below), pdfs (benchmarks/certificates_pdf.py: signed PDFs per second, the standard
WeasyPrint + pyHanko loop against certificates.fastpdf) and verification
(benchmarks/certificates_verify.sh: the verification JSON under gunicorn against a bare Flask app; needs
wrk and PostgreSQL).

credentials: Open Badges 3.0 credentials signed per second (eddsa-rdfc-2022), the way
``certificates.services._sign`` signs them: ``open_badge_credential`` + ``dataintegrity.add_proof``.
Random but realistic ``CredentialFacts`` (Kazakh and Russian names and titles, a summary, a grade
or none) are built in each of ``--workers`` long-lived processes (2: one per core) and a
throwaway Ed25519 key; every worker signs a warm-up batch, then all start together at a barrier.
Reported: the wall-clock rate of all workers together, and credentials per CPU-second of each
worker (``time.process_time``), which other load on the machine disturbs less. The same is run
for pyld's canonicalisation (``--baseline-count`` credentials), the path used before the fast one.
No database is needed. Target: at least 1,000 credentials per second on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the package it measures: keep its own folder off the import path.
sys.path[:] = [path for path in sys.path if Path(path or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from certificates import canonical, dataintegrity, did, jsonld, serials  # noqa: E402
from certificates.credentials import CredentialFacts, open_badge_credential, timestamp  # noqa: E402

FIRST_NAMES = ["Әлия", "Айгерім", "Нұрлан", "Қайрат", "Жанар", "Ерлан", "Дана", "Мария", "Иван", "Ғалым", "Өмір"]
LAST_NAMES = ["Сәрсенова", "Нұрланұлы", "Қасымов", "Жақсыбекова", "Иванова", "Ахметов", "Смагулова", "Ким"]
TITLES = [
    "Жасанды интеллект негіздері",
    "Машиналық оқыту: кіріспе",
    "Основы искусственного интеллекта",
    "Python для анализа данных",
    "Нейрондық желілер және терең оқыту",
    "Data ethics and responsible AI",
]
SUMMARY_WORDS = "деректер модель оқыту нейрон желі алгоритм данные обучение модели задача Python pandas".split()
WARM_UP = 20


def random_facts(rng: random.Random, issuer_did: str) -> CredentialFacts:
    title = rng.choice(TITLES)
    status_index = rng.randrange(1_000_000)
    return CredentialFacts(
        serial=serials.new_serial(),
        holder_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        course_slug=f"course-{rng.randrange(500)}",
        course_title=title,
        course_summary=rng.choice(["", " ".join(rng.choices(SUMMARY_WORDS, k=rng.randint(10, 40)))]),
        grade=rng.choice([None, rng.randint(50, 100)]),
        language=rng.choice(["kk", "ru", "en"]),
        issued_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(30_000_000)),
        issuer_did=issuer_did,
        issuer_name="Ministry of Enlightenment of the Republic of Kazakhstan",
        base_url="https://lms.example.kz",
        status_list_url=f"https://lms.example.kz/certificates/status/{status_index // 131_072 + 1}",
        status_index=status_index % 131_072,
    )


def _sign_fast(facts: CredentialFacts, key: Ed25519PrivateKey) -> dict[str, Any]:
    return dataintegrity.add_proof(open_badge_credential(facts), key, timestamp(facts.issued_at))


def _sign_pyld(facts: CredentialFacts, key: Ed25519PrivateKey) -> dict[str, Any]:
    loader = jsonld.document_loader()  # an explicit loader: the fast path is not taken
    return dataintegrity.add_proof(open_badge_credential(facts), key, timestamp(facts.issued_at), loader=loader)


SIGNERS: dict[str, Callable[[CredentialFacts, Ed25519PrivateKey], dict[str, Any]]] = {
    "fast": _sign_fast,
    "pyld": _sign_pyld,
}


def _signing_worker(
    signer: str, count: int, seed: int, key_bytes: bytes, barrier: Any, results: multiprocessing.Queue
) -> None:
    key = Ed25519PrivateKey.from_private_bytes(key_bytes)
    issuer = did.did_key(key.public_key())
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    facts = [random_facts(rng, issuer) for _ in range(count + WARM_UP)]
    recognised = sum(canonical.canonical_credential(open_badge_credential(f)) is not None for f in facts)
    sign = SIGNERS[signer]
    for warm in facts[:WARM_UP]:
        sign(warm, key)
    barrier.wait()
    started, cpu_started = time.perf_counter(), time.process_time()
    signed = [sign(f, key) for f in facts[WARM_UP:]]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    dataintegrity.verify_proof(signed[-1], jsonld.document_loader())  # by pyld, after the clock stopped
    results.put({"count": count, "wall": elapsed, "cpu": cpu, "recognised": recognised / len(facts)})


@dataclass
class Run:
    count: int
    wall: float
    cpu_rates: list[float]  # credentials per CPU-second, each worker
    recognised: float  # the smallest share of a worker's credentials the fast path recognises

    @property
    def rate(self) -> float:
        return self.count / self.wall


def _sign_in_workers(signer: str, count: int, workers: int) -> Run:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers + 1), context.Queue()
    key_bytes = Ed25519PrivateKey.generate().private_bytes_raw()
    shares = [count // workers + (index < count % workers) for index in range(workers)]
    processes = [
        context.Process(target=_signing_worker, args=(signer, share, 1000 + index, key_bytes, barrier, results))
        for index, share in enumerate(shares)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    reports = [results.get() for _ in processes]
    wall = max(report["wall"] for report in reports)  # all started at the barrier
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a {signer} worker failed with exit code {process.exitcode}")
    return Run(
        count=count,
        wall=wall,
        cpu_rates=[report["count"] / report["cpu"] for report in reports],
        recognised=min(report["recognised"] for report in reports),
    )


def credentials(args: argparse.Namespace) -> None:
    """Credentials signed per second: the fast canonical form, then pyld's."""
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"## credentials signed per second — {args.workers} workers, CPUs: {os.cpu_count()}, load: {load}")
    rows = []
    for label, signer, count in (
        ("fast path (`certificates/canonical.py`)", "fast", args.count),
        ("pyld (before)", "pyld", args.baseline_count),
    ):
        run = _sign_in_workers(signer, count, args.workers)
        per_core = " / ".join(f"{rate:,.0f}" for rate in run.cpu_rates)
        rows.append(
            f"| {label} | {count:,} | {run.wall:.1f} s | **{run.rate:,.0f}** | {per_core} "
            f"| {sum(run.cpu_rates):,.0f} | {run.recognised:.0%} |"
        )
        print(f"{signer}: {run.rate:,.0f}/s wall, {per_core} per CPU-second", flush=True)
    print()
    print(
        "| canonicalisation | credentials | wall time | signed/s (wall, all workers) | signed per CPU-second, "
        "each worker | sum per CPU-second | recognised by the fast path |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"\ntarget: ≥ 1,000 signed/s on 2 cores ({646_000:,} in under 11 minutes)")


def pdfs(args: argparse.Namespace) -> None:
    """Signed PDFs per second: the standard loop (WeasyPrint + pyHanko) against the fast path."""
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"## signed PDFs per second — {args.workers} workers, CPUs: {os.cpu_count()}, load: {load}")
    # Its own process: its spawned workers import it as their main module.
    command = [sys.executable, str(Path(__file__).resolve().parent / "certificates_pdf.py")]
    command += ["--count", str(args.pdf_count), "--processes", str(args.workers)]
    if args.pdf_baseline_count:
        command += ["--baseline-count", str(args.pdf_baseline_count)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    print("| path | PDFs | PDFs/s (wall, all workers) | CPU ms per PDF | bytes per PDF |\n|---|---:|---:|---:|---:|")
    for label, key in (("standard: WeasyPrint + pyHanko", "standard"), ("fast: `certificates/fastpdf.py`", "fast")):
        run = result[key]
        print(
            f"| {label} | {run['pdfs']:,} | **{run['pdfs_per_second']:,.1f}** | {run['cpu_ms_per_pdf']} "
            f"| {run['bytes_per_pdf']:,} |"
        )
    print(f"\nfast / standard: {result['speedup']}x; target: >= 10x the standard loop (>= 240/s on 2 cores)")


def verification(args: argparse.Namespace) -> None:
    """Verification JSON requests per second under gunicorn against the bare Flask app (a shell script: wrk)."""
    script = Path(__file__).resolve().parent / "certificates_verify.sh"
    print("## verification JSON under gunicorn", flush=True)
    subprocess.run([str(script)], check=True)


SECTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "credentials": credentials,
    "pdfs": pdfs,
    "verification": verification,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append", help="run only this section")
    parser.add_argument("--workers", type=int, default=2, help="signing processes (one per core)")
    parser.add_argument("--count", type=int, default=20_000, help="credentials signed by the fast path")
    parser.add_argument("--baseline-count", type=int, default=400, help="credentials signed through pyld")
    parser.add_argument("--pdf-count", type=int, default=2000, help="PDFs made by the fast path")
    parser.add_argument("--pdf-baseline-count", type=int, default=None, help="PDFs by the standard loop (count/10)")
    args = parser.parse_args()
    for name in args.only or list(SECTIONS):
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
