"""The shape of a seeded country (``flask analytics seed-national``): districts and schools of its 20 regions
weighted by population, the accounts of its students and teachers, and its courses. Plain data made in
Python from one ``random.Random``, so one seed gives one country; ``national.py`` loads it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

#: Residents in thousands (2024), by the region's ISO 3166-2 code: how schools and learners are spread.
POPULATION = {
    "KZ-10": 603, "KZ-11": 787, "KZ-15": 929, "KZ-19": 1520, "KZ-23": 700, "KZ-27": 690, "KZ-31": 1220,
    "KZ-33": 700, "KZ-35": 1130, "KZ-39": 830, "KZ-43": 840, "KZ-47": 790, "KZ-55": 750, "KZ-59": 530,
    "KZ-61": 2130, "KZ-62": 220, "KZ-63": 720, "KZ-71": 1420, "KZ-75": 2230, "KZ-79": 1230,
}  # fmt: skip
#: Cities of republican significance: their districts are city districts, their schools urban.
CITIES = {"KZ-71", "KZ-75", "KZ-79"}
DISTRICTS = 200
#: Place names (kk, ru, en) that districts are named after, with a number where one repeats.
PLACES = [
    ("Ақсу", "Аксу", "Aksu"), ("Бурабай", "Бурабай", "Burabay"), ("Жаңаарқа", "Жанаарка", "Zhanaarka"),
    ("Көктерек", "Коктерек", "Kokterek"), ("Сарыарқа", "Сарыарка", "Saryarka"), ("Есіл", "Есиль", "Esil"),
    ("Алатау", "Алатау", "Alatau"), ("Қаратау", "Каратау", "Karatau"), ("Шалқар", "Шалкар", "Shalkar"),
    ("Байқоңыр", "Байконур", "Baikonur"), ("Ертіс", "Иртыш", "Irtysh"), ("Теріскей", "Терискей", "Teriskey"),
    ("Ұланов", "Уланов", "Ulanov"), ("Талас", "Талас", "Talas"), ("Мойынқұм", "Мойынкум", "Moiynkum"),
    ("Қордай", "Кордай", "Korday"), ("Ескелді", "Ескельди", "Eskeldi"), ("Жалағаш", "Жалагаш", "Zhalagash"),
    ("Бейнеу", "Бейнеу", "Beineu"), ("Мақтаарал", "Мактаарал", "Maktaaral"), ("Сайрам", "Сайрам", "Sairam"),
    ("Қарасай", "Карасай", "Karasay"), ("Іле", "Илийский", "Ile"), ("Ұйғыр", "Уйгурский", "Uigur"),
]  # fmt: skip
FIRST_NAMES = [
    "Айгерім", "Әсел", "Дана", "Жансая", "Мадина", "Аружан", "Нұрислам", "Ерлан", "Дәулет", "Арман",
    "Алихан", "Санжар", "Анна", "Мария", "Дмитрий", "Иван", "Алина", "Тимур", "Камила", "Ернар",
]  # fmt: skip
LAST_NAMES = [
    "Сейітов", "Жұмабаев", "Омаров", "Қасымов", "Ахметов", "Нұрланов", "Бекенов", "Тоқтаров", "Иванов",
    "Ким", "Смағұлов", "Әбішев", "Серікбаев", "Мұратов", "Петров", "Ермеков", "Оспанов", "Байжанов",
]  # fmt: skip
#: (kk, ru, en, level, audience): 15 for students, one for both, four for teachers.
COURSES = [
    ("Жасанды интеллект негіздері", "Основы искусственного интеллекта", "AI basics", "beginner", "students"),
    ("Python бастаушыларға", "Python для начинающих", "Python for beginners", "beginner", "students"),
    ("Деректермен жұмыс", "Работа с данными", "Working with data", "beginner", "students"),
    ("Машиналық оқыту", "Машинное обучение", "Machine learning", "intermediate", "students"),
    ("Нейрондық желілер", "Нейронные сети", "Neural networks", "intermediate", "students"),
    ("Компьютерлік көру", "Компьютерное зрение", "Computer vision", "intermediate", "students"),
    ("Табиғи тілді өңдеу", "Обработка естественного языка", "Natural language processing", "intermediate",
     "students"),
    ("Генеративті модельдер", "Генеративные модели", "Generative models", "advanced", "students"),
    ("ЖИ этикасы", "Этика ИИ", "AI ethics", "beginner", "students"),
    ("Деректерді визуализациялау", "Визуализация данных", "Data visualisation", "beginner", "students"),
    ("Статистика және ықтималдық", "Статистика и вероятность", "Statistics and probability", "intermediate",
     "students"),
    ("Робототехника", "Робототехника", "Robotics", "intermediate", "students"),
    ("Күшейтілген оқыту", "Обучение с подкреплением", "Reinforcement learning", "advanced", "students"),
    ("ЖИ жобасын жасау", "Создание ИИ-проекта", "Building an AI project", "advanced", "students"),
    ("Өндірістегі ЖИ", "ИИ в промышленности", "AI in industry", "advanced", "students"),
    ("Цифрлық сауаттылық", "Цифровая грамотность", "Digital literacy", "beginner", "both"),
    ("Мұғалімге арналған ЖИ", "ИИ для учителя", "AI for teachers", "beginner", "teachers"),
    ("Сабақта ЖИ құралдары", "ИИ-инструменты на уроке", "AI tools in the classroom", "beginner", "teachers"),
    ("ЖИ-ді оқыту әдістемесі", "Методика преподавания ИИ", "Teaching AI", "intermediate", "teachers"),
    ("Оқушы жобаларына жетекшілік", "Руководство проектами учеников", "Mentoring student projects",
     "advanced", "teachers"),
]  # fmt: skip
MODULES, LESSONS_PER_MODULE = 10, 5


@dataclass(frozen=True)
class District:
    id: int
    region_id: int
    code: str
    names: tuple[str, str, str]


@dataclass(frozen=True)
class School:
    id: int
    region_id: int
    district_id: int | None
    code: str
    name: str
    kind: str
    language: str
    settlement: str
    weight: float  # its share of learners, relative


def apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each part at least 1 when it can be."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [max(1, math.floor(x)) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in by_remainder[: max(0, total - sum(parts))]:
        parts[i] += 1
    return parts


def districts(rng: random.Random, regions: dict[str, int]) -> list[District]:
    codes = sorted(regions)
    counts = apportion(DISTRICTS, [POPULATION.get(code, 500) ** 0.6 for code in codes])
    made: list[District] = []
    for code, count in zip(codes, counts, strict=True):
        names = rng.sample(PLACES, k=min(count, len(PLACES)))
        for n in range(count):
            kk, ru, en = names[n % len(names)]
            suffix = f" {n // len(names) + 1}" if n >= len(names) else ""
            kind = ("ауданы", "район", "District")
            made.append(
                District(
                    len(made) + 1,
                    regions[code],
                    f"{code}-{n + 1:02d}",
                    (f"{kk}{suffix} {kind[0]}", f"{ru}{suffix} {kind[1]}", f"{en}{suffix} {kind[2]}"),
                )
            )
    return made


def schools(rng: random.Random, count: int, regions: dict[str, int], in_districts: list[District]) -> list[School]:
    codes = sorted(regions)
    per_region = apportion(count, [POPULATION.get(code, 500) for code in codes])
    made: list[School] = []
    for code, region_count in zip(codes, per_region, strict=True):
        region_id = regions[code]
        mine = [d for d in in_districts if d.region_id == region_id]
        district_weights = [rng.lognormvariate(0, 0.5) for _ in mine]
        for _ in range(region_count):
            kind = rng.choices(("school", "college", "university"), (90, 7, 3))[0]
            language = rng.choices(("kk", "ru", "mixed"), (65, 28, 7))[0]
            rural = code not in CITIES and kind == "school" and rng.random() < 0.55
            district = rng.choices(mine, district_weights)[0].id if mine and rng.random() < 0.97 else None
            number = len(made) + 1
            name = {
                "school": f"№{number} жалпы білім беретін мектеп" if language == "kk" else f"Школа №{number}",
                "college": f"№{number} колледж" if language == "kk" else f"Колледж №{number}",
                "university": f"№{number} университет" if language == "kk" else f"Университет №{number}",
            }[kind]
            size = rng.lognormvariate(0, 0.6) * (0.5 if rural else 1.0) * (3.0 if kind == "university" else 1.0)
            made.append(
                School(
                    number,
                    region_id,
                    district,
                    f"{100000000000 + number}",
                    name,
                    kind,
                    language,
                    "rural" if rural else "urban",
                    size,
                )
            )
    return made


def grades(kind: str) -> list[str]:
    return [str(g) for g in range(1, 12)] if kind == "school" else ["1", "2", "3", "4"]


def headcount(rng: random.Random, school: School, accounts: int, teachers: int) -> tuple[dict[str, int], int, int]:
    """The official figures of a school with ``accounts`` students on the platform: more than the accounts
    (a share of students has not joined), split by grade."""
    students = max(accounts, math.ceil(accounts / rng.uniform(0.45, 0.95)))
    by_grade = dict(zip(grades(school.kind), apportion(students, [1.0] * len(grades(school.kind))), strict=True))
    return by_grade, sum(by_grade.values()), max(teachers, math.ceil(teachers / rng.uniform(0.7, 1.0)))


def full_name(rng: random.Random) -> str:
    return f"{rng.choice(LAST_NAMES)} {rng.choice(FIRST_NAMES)}"


def joined(rng: random.Random, start: datetime, days: int) -> datetime:
    """When an account was made: most in the first weeks of the year."""
    return start + timedelta(seconds=int(days * 0.6 * 86400 * rng.random() ** 2.5))
