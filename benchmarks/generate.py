"""Synthetic platform graphs at any size, deterministic, in the project's own ontology.

Each synthetic municipality has its own political platform: a document whose text this
module writes (a title, an introduction and headed sections of sentences), with every
section, sentence and statement anchored in that text by offsets computed while it is
written, so the shapes' quote check holds. Around the text: the municipality's actors
(the coalition, the municipality and its boards, companies, organisations, the groups
the text names) and areas (the municipality, its town, districts, smaller localities,
countryside, a lake, sites, a transport link), national actors and counties shared by
all, and assessments of fulfilment recorded, as the service records them, by changes in
the change log. The ontology and the themes come from ``ontology/``.

Proportions follow the real Örebro platform (about 190 commitments and 19 context
statements in 185 sentences; strengths, kinds, themes, actors and areas per statement
as curated there); a quarter of the commitments carry one to three assessments.

The same seed gives the same bytes; a larger graph holds the smaller one's
municipalities (only the change log's head moves).

Run: .venv/bin/python -m benchmarks.generate --triples 100000 --out /tmp/g.nq
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph as ox

__all__ = [
    "DATA_GRAPH",
    "GeneratedGraph",
    "Municipality",
    "generate",
    "ontology_quads",
    "slugify",
]

BASE = "https://w3id.org/platform-graph/"
PG = BASE + "ontology#"
ID = BASE + "id/"
THEME = ID + "theme/"
GRAPH = BASE + "graph/"
DATA_GRAPH = GRAPH + "data"
ONTOLOGY_GRAPH = GRAPH + "ontology"
THEMES_GRAPH = GRAPH + "themes"
CHANGES_GRAPH = GRAPH + "changes"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
GEO = "http://www.opengis.net/ont/geosparql#"
PROV = "http://www.w3.org/ns/prov#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIME = "http://www.w3.org/2006/time#"
TYPE = RDF + "type"

TERM = ID + "term/2022-2026"
CONTEXT_CHARS = 32  # as the build: characters of context kept around a quote
ROOT = Path(__file__).resolve().parents[1]


def slugify(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out = "".join(ch if ch.isalnum() else "-" for ch in ascii_text)
    return "-".join(part for part in out.split("-") if part)


# --- N-Quads text -------------------------------------------------------------------------


def iri(value: str) -> str:
    return f"<{value}>"


def lit(value: str, *, lang: str | None = None, dtype: str | None = None) -> str:
    text = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang is not None:
        return f'"{text}"@{lang}'
    if dtype is not None and dtype != XSD + "string":
        return f'"{text}"^^<{dtype}>'
    return f'"{text}"'


def integer(value: int) -> str:
    return lit(str(value), dtype=XSD + "integer")


class Quads:
    """N-Quads lines, in order; ``once`` keeps shared nodes from being written twice."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._seen: set[str] = set()
        self._journal: list[str] = []

    def add(self, s: str, p: str, o: str, g: str = DATA_GRAPH) -> None:
        self.lines.append(f"<{s}> <{p}> {o} <{g}> .\n")

    def once(self, key: str) -> bool:
        """True the first time ``key`` is seen."""
        if key in self._seen:
            return False
        self._seen.add(key)
        self._journal.append(key)
        return True

    def mark(self) -> tuple[int, int]:
        return len(self.lines), len(self._journal)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Forget everything added since ``mark``."""
        del self.lines[mark[0] :]
        for key in self._journal[mark[1] :]:
            self._seen.discard(key)
        del self._journal[mark[1] :]

    def __len__(self) -> int:
        return len(self.lines)


def ontology_quads(root: Path = ROOT) -> list[str]:
    """The ontology and the themes as N-Quads lines in their named graphs.

    Blank nodes are renamed in order of appearance, so the lines are the same each run.
    """
    lines: list[str] = []
    names: dict[str, str] = {}

    def term(t: object) -> str:
        if isinstance(t, ox.BlankNode):
            names.setdefault(t.value, f"_:o{len(names) + 1}")
            return names[t.value]
        return str(t)

    for path, graph in (
        (root / "ontology" / "platform-graph.ttl", ONTOLOGY_GRAPH),
        (root / "ontology" / "themes.ttl", THEMES_GRAPH),
    ):
        seen: set[str] = set()
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            line = f"{term(t.subject)} {term(t.predicate)} {term(t.object)} <{graph}> .\n"
            if line not in seen:
                seen.add(line)
                lines.append(line)
    return lines


# --- vocabulary ---------------------------------------------------------------------------

# (slug, heading, English title, theme, responsible board key)
SECTIONS: tuple[tuple[str, str | None, str, str, str], ...] = (
    ("inledning", None, "Introduction (the economy)", "ekonomi", "ks"),
    (
        "naringsliv-och-tillvaxt",
        "Näringsliv och tillväxt",
        "Business and growth",
        "naringsliv",
        "ks",
    ),
    ("forskola-och-skola", "Förskola och skola", "Pre-school and school", "skola", "bun"),
    (
        "aldreomsorg-och-funktionsstod",
        "Äldreomsorg och funktionsstöd",
        "Elderly care and disability support",
        "aldreomsorg",
        "von",
    ),
    ("trygghet", "Trygghet", "Safety", "trygghet", "ks"),
    (
        "socialt-forebyggande-arbete",
        "Socialt förebyggande arbete",
        "Social prevention",
        "socialt-forebyggande",
        "sn",
    ),
    ("klimat-och-miljo", "Klimat och miljö", "Climate and environment", "klimat-och-miljo", "mn"),
    (
        "jamstalldhet-och-manskliga-rattigheter",
        "Jämställdhet och mänskliga rättigheter",
        "Gender equality and human rights",
        "manskliga-rattigheter",
        "ks",
    ),
    (
        "kultur-och-civilsamhalle",
        "Kultur och civilsamhälle",
        "Culture and civil society",
        "kultur",
        "kfn",
    ),
    ("trafik", "Trafik", "Transport", "trafik", "tn"),
    ("stadsbyggnad", "Stadsbyggnad", "Urban development", "stadsbyggnad", "byn"),
    (
        "gymnasieskola-och-arbetsmarknad",
        "Gymnasieskola och arbetsmarknad",
        "Upper secondary school and the labour market",
        "gymnasieskola-och-arbetsmarknad",
        "amn",
    ),
    (
        "bolagskoncernen",
        "Bolagskoncernen",
        "The group of municipal companies",
        "bolagskoncernen",
        "bolag",
    ),
    ("fritid-och-idrott", "Fritid och idrott", "Leisure and sport", "fritid-och-idrott", "kfn"),
    ("landsbygd", "Landsbygd", "The countryside", "landsbygd", "ks"),
)

# Per section: (verb sv, object sv, verb en, object en, extra themes).
Obj = tuple[str, str, str, str, tuple[str, ...]]
OBJECTS: dict[str, tuple[Obj, ...]] = {
    "inledning": (
        (
            "värna",
            "de finansiella målen",
            "protect",
            "the financial targets",
            ("kostnadskontroll",),
        ),
        ("hålla", "låneskulden oförändrad", "keep", "the debt unchanged", ("kostnadskontroll",)),
        ("genomlysa", "kommunens ekonomi", "review", "the municipality's finances", ()),
        ("prioritera", "välfärdens kärnverksamhet", "prioritise", "core welfare services", ()),
        (
            "effektivisera",
            "administrationen",
            "streamline",
            "the administration",
            ("kostnadskontroll",),
        ),
    ),
    "naringsliv-och-tillvaxt": (
        ("ta fram", "nya verksamhetsområden för företag", "develop", "new business areas", ()),
        ("förenkla", "regelbördan för företag", "simplify", "the regulatory burden on firms", ()),
        (
            "utforma",
            "ett nytt näringslivsprogram",
            "draw up",
            "a new business programme",
            ("samverkan",),
        ),
        ("använda", "markreserven strategiskt", "use", "the land reserve strategically", ()),
        (
            "ställa",
            "sociala krav i upphandlingar",
            "set",
            "social requirements in procurement",
            ("arbetslinjen",),
        ),
        (
            "säkra",
            "elförsörjningen för nya etableringar",
            "secure",
            "power supply for new businesses",
            ("energi",),
        ),
    ),
    "forskola-och-skola": (
        (
            "rikta",
            "resursfördelningen mot kunskapsresultat",
            "direct",
            "resources to learning outcomes",
            ("barn-och-unga",),
        ),
        ("minska", "skolsegregationen", "reduce", "school segregation", ("integration",)),
        ("bygga", "nya förskolor", "build", "new pre-schools", ("barn-och-unga",)),
        (
            "anställa",
            "fler lärarassistenter",
            "hire",
            "more teaching assistants",
            ("kompetensforsorjning",),
        ),
        (
            "införa",
            "läxhjälp på alla skolor",
            "introduce",
            "homework help in every school",
            ("barn-och-unga",),
        ),
        ("förstärka", "elevhälsan", "strengthen", "pupil health services", ("barn-och-unga",)),
    ),
    "aldreomsorg-och-funktionsstod": (
        ("bygga", "fler vård- och omsorgsboenden", "build", "more care homes", ("bostader",)),
        (
            "minska",
            "antalet personal runt varje brukare",
            "reduce",
            "the number of staff per user",
            (),
        ),
        (
            "införa",
            "heltid som norm",
            "introduce",
            "full-time work as the norm",
            ("kompetensforsorjning",),
        ),
        (
            "utveckla",
            "välfärdsteknik i hemtjänsten",
            "develop",
            "welfare technology in home care",
            ("digitalisering",),
        ),
        ("erbjuda", "fler trygghetsboenden", "offer", "more sheltered housing", ("bostader",)),
    ),
    "trygghet": (
        ("inrätta", "ett narkotikateam", "set up", "a narcotics team", ("valfardsbrottslighet",)),
        ("anställa", "fler trygghetsvärdar", "hire", "more safety wardens", ()),
        ("utöka", "kameraövervakningen", "extend", "camera surveillance", ()),
        (
            "förbättra",
            "belysningen i parker och gångstråk",
            "improve",
            "lighting in parks and paths",
            ("stadsbyggnad",),
        ),
        (
            "motverka",
            "välfärdsbrottsligheten",
            "counter",
            "welfare crime",
            ("valfardsbrottslighet",),
        ),
        (
            "samordna",
            "det brottsförebyggande arbetet",
            "coordinate",
            "crime prevention",
            ("samverkan",),
        ),
    ),
    "socialt-forebyggande-arbete": (
        ("utveckla", "fältarbetet", "develop", "outreach work", ("barn-och-unga",)),
        ("stärka", "föräldraskapsstödet", "strengthen", "parenting support", ("barn-och-unga",)),
        ("införa", "ett tidigt-insatser-team", "introduce", "an early intervention team", ()),
        ("motverka", "hemlösheten", "counter", "homelessness", ("bostader",)),
    ),
    "klimat-och-miljo": (
        (
            "bygga ut",
            "solenergin på kommunens tak",
            "expand",
            "solar power on municipal roofs",
            ("energi",),
        ),
        (
            "minska",
            "utsläppen från kommunens fordon",
            "cut",
            "emissions from municipal vehicles",
            ("energi",),
        ),
        ("plantera", "fler träd i staden", "plant", "more trees in the town", ("stadsbyggnad",)),
        ("skydda", "den biologiska mångfalden", "protect", "biodiversity", ()),
        ("ta fram", "en klimatanpassningsplan", "draw up", "a climate adaptation plan", ()),
    ),
    "jamstalldhet-och-manskliga-rattigheter": (
        (
            "motverka",
            "mäns våld mot kvinnor",
            "counter",
            "men's violence against women",
            ("jamstalldhet",),
        ),
        (
            "säkerställa",
            "tillgängligheten i kommunens lokaler",
            "ensure",
            "access to municipal premises",
            ("tillganglighet",),
        ),
        (
            "hbtqi-certifiera",
            "fler verksamheter",
            "LGBTQI-certify",
            "more services",
            ("jamstalldhet",),
        ),
        (
            "granska",
            "lönerna ur ett jämställdhetsperspektiv",
            "review",
            "pay from a gender perspective",
            ("jamstalldhet",),
        ),
    ),
    "kultur-och-civilsamhalle": (
        ("stödja", "det fria kulturlivet", "support", "independent culture", ()),
        ("utveckla", "biblioteken", "develop", "the libraries", ()),
        ("stärka", "föreningslivet", "strengthen", "civil society associations", ("samverkan",)),
        ("bevara", "kulturmiljöerna", "preserve", "the cultural heritage sites", ()),
    ),
    "trafik": (
        ("bygga ut", "cykelvägnätet", "extend", "the cycle network", ("klimat-och-miljo",)),
        ("förbättra", "kollektivtrafiken", "improve", "public transport", ()),
        ("sänka", "hastigheten vid skolor", "lower", "speeds near schools", ("barn-och-unga",)),
        ("bygga", "fler pendlarparkeringar", "build", "more park-and-ride sites", ("landsbygd",)),
        ("bygga ut", "laddinfrastrukturen", "extend", "charging infrastructure", ("energi",)),
    ),
    "stadsbyggnad": (
        ("planera", "för fler bostäder", "plan", "for more housing", ("bostader",)),
        ("utveckla", "stadskärnan", "develop", "the town centre", ()),
        (
            "skapa",
            "fler gröna mötesplatser",
            "create",
            "more green meeting places",
            ("klimat-och-miljo",),
        ),
        (
            "korta",
            "handläggningstiderna för bygglov",
            "shorten",
            "planning permission times",
            ("naringsliv",),
        ),
    ),
    "gymnasieskola-och-arbetsmarknad": (
        ("skapa", "fler praktikplatser", "create", "more work placements", ("arbetslinjen",)),
        (
            "utveckla",
            "yrkesutbildningarna",
            "develop",
            "vocational education",
            ("kompetensforsorjning",),
        ),
        (
            "erbjuda",
            "språkträning på arbetsplatsen",
            "offer",
            "language training at work",
            ("integration",),
        ),
        (
            "minska",
            "avhoppen från gymnasieskolan",
            "reduce",
            "upper-secondary drop-outs",
            ("barn-och-unga",),
        ),
    ),
    "bolagskoncernen": (
        ("bygga", "fler hyresrätter", "build", "more rental flats", ("bostader",)),
        ("renovera", "det äldre beståndet", "renovate", "the older housing stock", ("bostader",)),
        (
            "se över",
            "bolagens ägardirektiv",
            "review",
            "the companies' owner directives",
            ("kostnadskontroll",),
        ),
        ("bygga ut", "fibernätet", "extend", "the fibre network", ("digitalisering",)),
        ("investera", "i förnybar energi", "invest", "in renewable energy", ("energi",)),
    ),
    "fritid-och-idrott": (
        ("bygga", "en ny sporthall", "build", "a new sports hall", ()),
        (
            "rusta upp",
            "spontanidrottsplatserna",
            "refurbish",
            "the open sports grounds",
            ("barn-och-unga",),
        ),
        (
            "förlänga",
            "öppettiderna på fritidsgårdarna",
            "extend",
            "youth club opening hours",
            ("barn-och-unga",),
        ),
        ("stödja", "idrottsföreningarna", "support", "the sports clubs", ("samverkan",)),
    ),
    "landsbygd": (
        ("bygga ut", "bredbandet på landsbygden", "extend", "rural broadband", ("digitalisering",)),
        ("behålla", "skolorna i de mindre orterna", "keep", "schools in the villages", ("skola",)),
        (
            "förbättra",
            "busstrafiken mellan orterna",
            "improve",
            "bus services between villages",
            ("trafik",),
        ),
        (
            "ta fram",
            "ett näringslivspaket för landsbygden",
            "develop",
            "a rural business package",
            ("naringsliv",),
        ),
    ),
}

CROSS_THEMES = (
    "arbetslinjen",
    "kostnadskontroll",
    "jamstalldhet",
    "integration",
    "tillganglighet",
    "samverkan",
    "bostader",
    "energi",
    "kompetensforsorjning",
    "barn-och-unga",
    "valfardsbrottslighet",
    "digitalisering",
)

# National actors, named by many platforms: slug, class, sv, en.
PARTIES = (
    ("socialdemokraterna", "Socialdemokraterna", "Swedish Social Democratic Party"),
    ("moderaterna", "Moderaterna", "Moderate Party"),
    ("centerpartiet", "Centerpartiet", "Centre Party"),
    ("liberalerna", "Liberalerna", "Liberals"),
    ("kristdemokraterna", "Kristdemokraterna", "Christian Democrats"),
    ("vansterpartiet", "Vänsterpartiet", "Left Party"),
    ("miljopartiet", "Miljöpartiet", "Green Party"),
    ("sverigedemokraterna", "Sverigedemokraterna", "Sweden Democrats"),
)
NATIONAL = (
    ("polisen", "Polisen", "The Swedish Police Authority"),
    ("trafikverket", "Trafikverket", "The Swedish Transport Administration"),
    ("arbetsformedlingen", "Arbetsförmedlingen", "The Swedish Public Employment Service"),
    ("forsakringskassan", "Försäkringskassan", "The Swedish Social Insurance Agency"),
)
BOARDS = (
    ("ks", "Kommunstyrelsen", "The municipal executive board"),
    ("bun", "Barn- och utbildningsnämnden", "The children and education board"),
    ("von", "Vård- och omsorgsnämnden", "The care board"),
    ("sn", "Socialnämnden", "The social services board"),
    ("mn", "Miljönämnden", "The environment board"),
    ("kfn", "Kultur- och fritidsnämnden", "The culture and leisure board"),
    ("tn", "Tekniska nämnden", "The technical services board"),
    ("byn", "Byggnadsnämnden", "The building board"),
    ("amn", "Arbetsmarknadsnämnden", "The labour market board"),
)
COMPANIES = (
    ("bostader", "{n}bostäder AB", "{n} municipal housing company"),
    ("energi", "{n} Energi AB", "{n} Energy"),
    ("parkering", "{n} Parkering AB", "{n} Parking"),
    ("fastigheter", "{n}porten Fastighets AB", "{n} property company"),
    ("vatten", "{n} Vatten AB", "{n} Water"),
    ("stadsnat", "{n} Stadsnät AB", "{n} city network"),
)
ORGANISATIONS = (
    ("foreningsradet", "Föreningsrådet i {n}", "The association council of {n}"),
    ("foretagarna", "Företagarna i {n}", "Business owners of {n}"),
    ("idrottsalliansen", "{n} idrottsallians", "{n} sports alliance"),
)
# Groups the text names (pg:Collective): slug, sv (as in "för ..."), en.
COLLECTIVES = (
    ("invanare", "invånarna", "the residents"),
    ("barn-och-unga", "barn och unga", "children and young people"),
    ("elever", "eleverna", "pupils"),
    ("aldre", "äldre", "older people"),
    ("personer-med-funktionsnedsattning", "personer med funktionsnedsättning", "disabled people"),
    ("foretagare", "företagare", "business owners"),
    ("foreningar", "föreningarna", "associations"),
    ("nyanlanda", "nyanlända", "newly arrived migrants"),
    ("arbetssokande", "arbetssökande", "jobseekers"),
    ("brottsutsatta", "brottsutsatta", "victims of crime"),
    ("kvinnor", "kvinnor", "women"),
    ("landsbygdsbor", "landsbygdsborna", "rural residents"),
    ("medarbetare", "medarbetarna", "municipal employees"),
    ("anhoriga", "anhöriga", "relatives and carers"),
    ("pendlare", "pendlare", "commuters"),
)
STATUSES = (
    ("in-progress", 40),
    ("fulfilled", 25),
    ("partially-fulfilled", 15),
    ("stalled", 10),
    ("not-fulfilled", 10),
)
FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Per", "Elin", "Ali", "Sofia")
LAST = ("Lindqvist", "Berg", "Nilsson", "Öberg", "Karlsson", "Hassan", "Ek", "Holm", "Sandberg")
PREFIXES = (
    "Alm",
    "Asp",
    "Björk",
    "Ek",
    "Gran",
    "Hassel",
    "Lind",
    "Lönn",
    "Sälg",
    "Tall",
    "Rönn",
    "Sjö",
    "Berg",
    "Dal",
    "Ås",
    "Mo",
    "Strand",
    "Sten",
    "Norr",
    "Söder",
    "Väster",
    "Öster",
    "Mal",
    "Hav",
    "Fager",
    "Gull",
    "Kvarn",
    "Hammar",
)
SUFFIXES = (
    "by",
    "vik",
    "köping",
    "sala",
    "hult",
    "torp",
    "sund",
    "näs",
    "holm",
    "fors",
    "stad",
    "hamn",
    "ryd",
    "tuna",
    "berga",
    "lösa",
    "åker",
    "dala",
    "sjö",
    "mark",
)
COUNTY_NAMES = (
    "Norrmark",
    "Sydsjö",
    "Västerdal",
    "Österled",
    "Mellanby",
    "Fjällmo",
    "Kustland",
    "Skogsrike",
    "Slätten",
    "Älvdal",
    "Bergslag",
    "Sjöland",
    "Ådal",
    "Hedland",
    "Skärgård",
    "Myrland",
    "Åsland",
    "Lövland",
    "Granmark",
    "Heden",
    "Kvarnbygd",
)
AREA_WORDS = ("gården", "berga", "lunden", "hagen", "backen", "vången", "ängen", "höjden")


@dataclass(slots=True)
class Municipality:
    """What the workload needs to know of one generated municipality."""

    slug: str
    name: str
    document: str
    sections: list[str] = field(default_factory=list)
    commitments: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    quads: int = 0


@dataclass(slots=True)
class GeneratedGraph:
    nquads: bytes
    quads: int
    municipalities: list[Municipality]
    seed: int
    changes: int

    def write(self, path: Path) -> None:
        path.write_bytes(self.nquads)


GENERIC_SUBJECTS = frozenset({"Kommunledningen", "Kommunen", "Kommunkoncernen", "Förvaltningen"})


@dataclass(slots=True)
class _Stmt:
    """A statement while its municipality is written: its text, then its facts."""

    commitment: bool
    text: str
    title_sv: str
    title_en: str
    themes: list[str]
    responsible: list[str] = field(default_factory=list)
    partner: list[str] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    strength: str = ""
    cue: str = ""
    kind: str = ""
    change: str = ""
    testable: bool = False
    deadline: str | None = None
    period: str | None = None
    amount: str | None = None
    start: int = 0
    end: int = 0
    sentence: int = 0
    section: str = ""


_Piece = tuple[str, _Stmt | None]


@dataclass(slots=True)
class _Context:
    """One municipality's actors and places, and the section being written."""

    subjects: dict[str, tuple[str, str]]
    places: list[tuple[str, str]]
    partners: list[tuple[str, str]]
    collectives: list[tuple[str, str]]
    companies: list[tuple[str, str]]
    section: str = ""
    theme: str = ""
    board: str = ""


def _names(seed: int) -> Iterator[str]:
    """Municipality names, unique, in a seeded order; then with a county-style prefix."""
    rng = random.Random(f"names-{seed}")
    combos = [p + s for p in PREFIXES for s in SUFFIXES]
    rng.shuffle(combos)
    seen: set[str] = set()
    for prefix in ("", "Nya ", "Övre ", "Nedre ", "Stora ", "Lilla "):
        for name in combos:
            full = prefix + name[0] + name[1:].lower()
            if slugify(full) not in seen:
                seen.add(slugify(full))
                yield full


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


class _Writer:
    """Writes the shared nodes once and each municipality on demand."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.q = Quads()
        self.changes = 0
        self.last_change: str | None = None
        self.clock = date(2023, 1, 9)

    # --- shared nodes -------------------------------------------------------------------

    def actor(self, slug: str, cls: str, sv: str, en: str, alt: tuple[str, ...] = ()) -> str:
        node = ID + "actor/" + slug
        if self.q.once(node):
            q = self.q
            q.add(node, TYPE, iri(PG + cls))
            q.add(node, TYPE, iri(PG + "Actor"))
            q.add(node, SKOS + "prefLabel", lit(sv, lang="sv"))
            q.add(node, SKOS + "prefLabel", lit(en, lang="en"))
            for a in alt:
                q.add(node, SKOS + "altLabel", lit(a, lang="sv"))
        return node

    def area(
        self, slug: str, cls: str, sv: str, en: str, within: str | None, alt: tuple[str, ...] = ()
    ) -> str:
        node = ID + "area/" + slug
        if self.q.once(node):
            q = self.q
            q.add(node, TYPE, iri(PG + cls))
            q.add(node, TYPE, iri(PG + "Area"))
            q.add(node, SKOS + "prefLabel", lit(sv, lang="sv"))
            q.add(node, SKOS + "prefLabel", lit(en, lang="en"))
            for a in alt:
                q.add(node, SKOS + "altLabel", lit(a, lang="sv"))
            if within is not None:
                q.add(node, GEO + "sfWithin", iri(within))
        return node

    def shared(self) -> None:
        q = self.q
        if not q.once(TERM):
            return
        q.add(TERM, TYPE, iri(TIME + "Interval"))
        q.add(TERM, SKOS + "prefLabel", lit("Mandatperioden 2022–2026", lang="sv"))
        q.add(TERM, SKOS + "prefLabel", lit("The term of office 2022–2026", lang="en"))
        for edge, part, year in (("hasBeginning", "beginning", "2022"), ("hasEnd", "end", "2026")):
            instant = f"{TERM}#{part}"
            q.add(TERM, TIME + edge, iri(instant))
            q.add(instant, TYPE, iri(TIME + "Instant"))
            q.add(instant, TIME + "inXSDgYear", lit(year, dtype=XSD + "gYear"))
        for slug, sv, en in PARTIES:
            self.actor(slug, "PoliticalParty", sv, en)
        for slug, sv, en in NATIONAL:
            self.actor(slug, "PublicBody", sv, en)

    def county(self, index: int) -> tuple[str, str]:
        """The county area and its region (an actor) of the ``index``-th county."""
        name = COUNTY_NAMES[index % len(COUNTY_NAMES)]
        if index >= len(COUNTY_NAMES):
            name = f"{name} {index // len(COUNTY_NAMES) + 1}"
        slug = slugify(name)
        area = self.area(f"{slug}-lan", "AdminUnit", f"{name}s län", f"{name} County", None)
        region = self.actor(f"region-{slug}", "PublicBody", f"Region {name}", f"Region {name}")
        if self.q.once(f"jurisdiction {region}"):
            self.q.add(region, PG + "jurisdiction", iri(area))
        return area, region

    # --- one municipality ---------------------------------------------------------------

    def municipality(self, index: int, name: str, max_sections: int | None) -> Municipality:
        rng = random.Random(f"{self.seed}-{index}")
        q = self.q
        start_len = len(q)
        s = slugify(name)
        county_area, region = self.county(index % len(COUNTY_NAMES))
        doc = ID + f"document/{s}-2022-2026"
        m = Municipality(s, name, doc)

        # Areas.
        kommun_area = self.area(
            f"{s}-kommun",
            "AdminUnit",
            f"{name} kommun",
            f"{name} Municipality",
            county_area,
            ("hela kommunen",),
        )
        town = self.area(
            f"{s}-tatort", "Locality", f"{name} tätort", f"The town of {name}", kommun_area, (name,)
        )
        geom = f"{town}#geometry"
        q.add(town, GEO + "hasGeometry", iri(geom))
        q.add(geom, TYPE, iri(GEO + "Geometry"))
        lon, lat = 12 + rng.random() * 8, 56 + rng.random() * 9
        q.add(geom, GEO + "asWKT", lit(f"POINT({lon:.4f} {lat:.4f})", dtype=GEO + "wktLiteral"))
        places: list[tuple[str, str]] = [(kommun_area, "i hela kommunen"), (town, f"i {name}")]
        centre = self.area(f"{s}-centrum", "District", f"Centrala {name}", f"Central {name}", town)
        places.append((centre, f"i centrala {name}"))
        for word in rng.sample(AREA_WORDS, rng.randint(3, 5)):
            district = rng.choice(PREFIXES) + word
            node = self.area(
                f"{s}-{slugify(district)}", "District", district, f"{district} (district)", town
            )
            places.append((node, f"i {district}"))
        for _ in range(rng.randint(2, 4)):
            village = rng.choice(PREFIXES) + rng.choice(("by", "torp", "ås", "mo"))
            node = self.area(
                f"{s}-{slugify(village)}", "Locality", village, f"{village} (village)", kommun_area
            )
            places.append((node, f"i {village}"))
        countryside = self.area(
            f"{s}-landsbygd",
            "Countryside",
            f"Landsbygden i {name}",
            f"The countryside of {name}",
            kommun_area,
            ("landsbygden",),
        )
        places.append((countryside, "på landsbygden"))
        lake = rng.choice(PREFIXES) + "sjön"
        places.append(
            (
                self.area(f"{s}-{slugify(lake)}", "WaterBody", lake, f"Lake {lake}", kommun_area),
                f"vid {lake}",
            )
        )
        for site, site_en in rng.sample(
            (
                ("resecentrum", "travel centre"),
                ("idrottspark", "sports park"),
                ("hamnen", "harbour"),
                ("torget", "square"),
            ),
            2,
        ):
            label = f"{name}s {site}"
            places.append(
                (self.area(f"{s}-{site}", "Site", label, f"{name} {site_en}", town), f"vid {label}")
            )
        link = f"{name}banan"
        places.append(
            (
                self.area(
                    f"{s}-{slugify(link)}", "TransportLink", link, f"The {name} line", kommun_area
                ),
                f"längs {link}",
            )
        )
        m.areas = [p.rsplit("/", 1)[-1] for p, _ in places]

        # Actors.
        parties = rng.sample(PARTIES, rng.choice((2, 3, 3, 3, 4)))
        coalition = self.actor(
            f"{s}-kommunledningen",
            "Coalition",
            f"Kommunledningen i {name}",
            f"The municipal leadership of {name}",
            ("Kommunledningen",),
        )
        for slug, _, _ in parties:
            q.add(coalition, ORG + "hasMember", iri(ID + "actor/" + slug))
        kommun = self.actor(
            f"{s}-kommun", "PublicBody", f"{name} kommun", f"{name} Municipality", ("Kommunen",)
        )
        q.add(kommun, PG + "jurisdiction", iri(kommun_area))
        subjects: dict[str, tuple[str, str]] = {
            "coalition": (coalition, "Kommunledningen"),
            "kommun": (kommun, "Kommunen"),
        }
        koncern = self.actor(
            f"{s}-kommunkoncernen",
            "PublicBody",
            f"Kommunkoncernen i {name}",
            f"The municipal group of {name}",
            ("Kommunkoncernen",),
        )
        q.add(koncern, ORG + "subOrganizationOf", iri(kommun))
        subjects["koncern"] = (koncern, "Kommunkoncernen")
        forv = self.actor(
            f"{s}-forvaltningen",
            "PublicBody",
            f"Förvaltningen i {name}",
            f"The administration of {name}",
            ("Förvaltningen",),
        )
        q.add(forv, ORG + "subOrganizationOf", iri(kommun))
        subjects["forv"] = (forv, "Förvaltningen")
        for key, sv, en in BOARDS:
            node = self.actor(
                f"{s}-{slugify(sv)}", "PublicBody", f"{sv} i {name}", f"{en} of {name}", (sv,)
            )
            q.add(node, ORG + "subOrganizationOf", iri(kommun))
            subjects[key] = (node, sv)
        bolag = self.actor(
            f"{s}-kommunala-bolag",
            "PublicBody",
            f"Kommunala bolag i {name}",
            f"The municipal companies of {name}",
            ("Bolagen",),
        )
        q.add(bolag, ORG + "subOrganizationOf", iri(koncern))
        subjects["bolag"] = (bolag, "Bolagen")
        companies: list[tuple[str, str]] = []
        for key, sv, en in rng.sample(COMPANIES, rng.randint(3, 6)):
            label = sv.format(n=name)
            node = self.actor(f"{s}-{key}", "MunicipalCompany", label, en.format(n=name))
            q.add(node, ORG + "subOrganizationOf", iri(bolag))
            companies.append((node, label))
        organisations: list[tuple[str, str]] = []
        for key, sv, en in rng.sample(ORGANISATIONS, rng.randint(2, 3)):
            label = sv.format(n=name)
            organisations.append(
                (self.actor(f"{s}-{key}", "Organisation", label, en.format(n=name)), label)
            )
        collectives: list[tuple[str, str]] = []
        for key, sv, en in COLLECTIVES:
            node = self.actor(
                f"{s}-{key}",
                "Collective",
                f"{sv[0].upper()}{sv[1:]} i {name}",
                f"{en[0].upper()}{en[1:]} of {name}",
                (sv,),
            )
            collectives.append((node, sv))
        partners: list[tuple[str, str]] = [
            (ID + "actor/" + slug, sv) for slug, sv, _ in NATIONAL
        ] + [(region, "regionen"), *organisations, *companies]
        m.actors = [
            a.rsplit("/", 1)[-1]
            for a in (
                coalition,
                kommun,
                koncern,
                forv,
                bolag,
                *(subjects[k][0] for k, _, _ in BOARDS),
                *(c for c, _ in companies),
                *(o for o, _ in organisations),
                *(c for c, _ in collectives),
            )
        ]

        # The text, written with its offsets.
        chosen = [SECTIONS[0], *[sec for sec in SECTIONS[1:] if rng.random() < 0.8]]
        if max_sections is not None:
            chosen = chosen[:max_sections]
        title = f"Politisk plattform för {name} kommun 2022–2026"
        text = [" ", title, " \n\n"]
        pos = len(" ") + len(title) + len(" \n\n")
        title_span = (1, 1 + len(title))
        sentence_rows: list[tuple[int, int, str]] = []  # start, end, section node
        statements: list[_Stmt] = []
        section_rows: list[tuple[str, int, int, tuple[str, str | None, str, str, str]]] = []
        ctx = _Context(subjects, places, partners, collectives, companies)

        def write(piece: str) -> int:
            nonlocal pos
            at = pos
            text.append(piece)
            pos += len(piece)
            return at

        for spec in chosen:
            ctx.section, heading, _, ctx.theme, ctx.board = spec
            node = ID + f"section/{s}-{ctx.section}"
            sec_start = title_span[1] if heading is None else write(heading)
            if heading is not None:
                write(" \n\n")
            n_sentences = rng.randint(9, 20)
            paragraph = 0
            for k in range(n_sentences):
                parts = self._sentence(rng, ctx, k)
                at = write("".join(piece for piece, _ in parts))
                sentence_rows.append((at, pos, node))
                offset = at
                for piece, stmt in parts:
                    if stmt is not None:
                        stmt.start, stmt.end = offset, offset + len(piece)
                        stmt.sentence, stmt.section = len(sentence_rows), node
                        statements.append(stmt)
                    offset += len(piece)
                paragraph += 1
                if paragraph >= rng.randint(2, 4) or k == n_sentences - 1:
                    write(" \n\n")
                    paragraph = 0
                else:
                    write(" ")
            section_rows.append((node, sec_start, pos, spec))
            write(" \n\n")
        full = "".join(text)
        m.sections = [n.rsplit("/", 1)[-1] for n, _, _, _ in section_rows]

        def span(node: str, start: int, end: int) -> None:
            position, quote = f"{node}#position", f"{node}#quote"
            q.add(node, OA + "hasSource", iri(doc))
            q.add(node, OA + "hasSelector", iri(position))
            q.add(node, OA + "hasSelector", iri(quote))
            q.add(position, TYPE, iri(OA + "TextPositionSelector"))
            q.add(position, OA + "start", integer(start))
            q.add(position, OA + "end", integer(end))
            q.add(quote, TYPE, iri(OA + "TextQuoteSelector"))
            q.add(quote, OA + "exact", lit(full[start:end]))
            q.add(quote, OA + "prefix", lit(full[max(0, start - CONTEXT_CHARS) : start]))
            q.add(quote, OA + "suffix", lit(full[end : end + CONTEXT_CHARS]))

        # The document.
        q.add(doc, TYPE, iri(PG + "Platform"))
        q.add(doc, DCT + "title", lit(full[title_span[0] : title_span[1]], lang="sv"))
        q.add(doc, DCT + "title", lit(f"Political platform of {name} 2022–2026", lang="en"))
        for slug, _, _ in parties:
            q.add(doc, DCT + "creator", iri(ID + "actor/" + slug))
        q.add(doc, PG + "coalition", iri(coalition))
        q.add(doc, PROV + "wasAttributedTo", iri(coalition))
        q.add(doc, DCT + "spatial", iri(kommun_area))
        q.add(doc, DCT + "temporal", iri(TERM))
        q.add(doc, DCT + "language", lit("sv", dtype=XSD + "language"))
        q.add(doc, PG + "fullText", lit(full))
        digest = hashlib.sha256(full.encode("utf-8")).hexdigest()
        q.add(doc, PG + "sha256", lit(digest, dtype=XSD + "hexBinary"))
        for i, (node, start, end, spec) in enumerate(section_rows):
            sec_slug, heading, en, theme, _ = spec
            q.add(doc, DCT + "hasPart", iri(node))
            q.add(node, TYPE, iri(PG + "Section"))
            q.add(node, DCT + "isPartOf", iri(doc))
            q.add(node, PG + "position", integer(i + 1))
            q.add(node, DCT + "title", lit(heading or "Inledning", lang="sv"))
            q.add(node, DCT + "title", lit(en, lang="en"))
            q.add(node, PG + "theme", iri(THEME + theme))
            if heading is not None:
                q.add(node, PG + "heading", lit(heading))
            span(node, start, start + len(full[start:end].rstrip()))
        sentence_iris = []
        for i, (start, end, section) in enumerate(sentence_rows):
            node = ID + f"sentence/{s}-2022-2026-{i + 1:03d}"
            sentence_iris.append(node)
            q.add(node, TYPE, iri(PG + "Sentence"))
            q.add(node, PG + "position", integer(i + 1))
            q.add(node, PG + "inSection", iri(section))
            span(node, start, end)

        # Statements.
        counters: dict[str, int] = {}
        for st in statements:
            sec_slug = st.section.rsplit("/", 1)[-1]
            counters[sec_slug] = counters.get(sec_slug, 0) + 1
            kind = "commitment" if st.commitment else "context"
            node = ID + f"{kind}/{sec_slug}-{counters[sec_slug]}"
            q.add(node, TYPE, iri(PG + "Statement"))
            q.add(node, TYPE, iri(PG + ("Commitment" if st.commitment else "ContextStatement")))
            q.add(node, PG + "inSection", iri(st.section))
            q.add(node, PG + "inSentence", iri(sentence_iris[st.sentence - 1]))
            q.add(node, PROV + "wasDerivedFrom", iri(doc))
            span(node, st.start, st.end)
            q.add(node, DCT + "title", lit(st.title_sv, lang="sv"))
            q.add(node, DCT + "title", lit(st.title_en, lang="en"))
            for t in st.themes:
                q.add(node, PG + "theme", iri(THEME + t))
            for role, actors in (
                ("responsible", st.responsible),
                ("partner", st.partner),
                ("affected", st.affected),
            ):
                for a in actors:
                    q.add(node, PG + f"{role}Actor", iri(a))
            for a in st.areas:
                q.add(node, PG + "concernsArea", iri(a))
            if not st.commitment:
                continue
            m.commitments.append(node.rsplit("/", 1)[-1])
            if len(m.words) < 3:
                m.words.append(st.title_sv.rsplit(" ", 1)[-1])
            q.add(node, PROV + "wasAttributedTo", iri(coalition))
            q.add(node, PG + "strength", iri(ID + f"strength/{st.strength}"))
            q.add(node, PG + "kind", iri(ID + f"kind/{st.kind}"))
            q.add(node, PG + "changeType", iri(ID + f"change-type/{st.change}"))
            q.add(node, PG + "testable", lit(str(st.testable).lower(), dtype=XSD + "boolean"))
            if st.testable:
                q.add(node, TYPE, iri(PG + "Pledge"))  # derived, as the build does
            q.add(node, PG + "strengthCue", lit(st.cue))
            if st.deadline:
                dtype = XSD + ("gYear" if len(st.deadline) == 4 else "date")
                q.add(node, PG + "deadline", lit(st.deadline, dtype=dtype))
            if st.period:
                q.add(node, PG + "period", lit(st.period, dtype=XSD + "duration"))
            if st.amount:
                q.add(node, PG + "amountSEK", lit(st.amount, dtype=XSD + "decimal"))
            self._assess(rng, s, name, node)
        m.quads = len(q) - start_len
        return m

    def _sentence(self, rng: random.Random, ctx: _Context, k: int) -> list[_Piece]:
        """One sentence as pieces of text, each with the statement it carries (or None)."""
        if (k == 0 and rng.random() < 0.6) or rng.random() < 0.05:
            verb, obj, verb_en, obj_en, extra = rng.choice(OBJECTS[ctx.section])
            weight = rng.choice(("ett av de viktigaste områdena", "en prioriterad fråga"))
            text = (
                f"Kommunledningen är överens om att arbetet med att {verb} {obj} är "
                f"{weight} under mandatperioden."
            )
            affected = [rng.choice(ctx.collectives)[0]] if rng.random() < 0.5 else []
            context = _Stmt(
                commitment=False,
                text=text,
                title_sv=f"Att {verb} {obj} är prioriterat",
                title_en=f"To {verb_en} {obj_en} is a priority",
                themes=self._themes(rng, ctx.theme, extra),
                responsible=[ctx.subjects["coalition"][0]],
                affected=affected,
            )
            return [(text, context)]
        first = self._commitment(rng, ctx)
        if rng.random() < 0.1:
            second = self._commitment(rng, ctx)
            clause2 = second.text
            if clause2.split(" ", 1)[0] in GENERIC_SUBJECTS:
                clause2 = clause2[0].lower() + clause2[1:]
            second.text = clause2
            first.text = first.text.rstrip(".")
            return [(first.text, first), (", och ", None), (second.text, second)]
        return [(first.text, first)]

    @staticmethod
    def _themes(rng: random.Random, theme: str, extra: tuple[str, ...]) -> list[str]:
        themes = [theme, *extra]
        roll = rng.random()
        if (roll < 0.35 and len(themes) == 1) or roll < 0.18:
            themes.append(rng.choice(CROSS_THEMES))
        return list(dict.fromkeys(themes))

    def _commitment(self, rng: random.Random, ctx: _Context) -> _Stmt:
        verb, obj, verb_en, obj_en, extra = rng.choice(OBJECTS[ctx.section])
        who = rng.choices(
            ("coalition", "kommun", "board", "koncern", "forv", "company"),
            weights=(35, 35, 14, 4, 4, 8 if ctx.section == "bolagskoncernen" else 1),
        )[0]
        if who == "board":
            subject, subject_text = ctx.subjects[ctx.board]
        elif who == "company":
            subject, subject_text = rng.choice(ctx.companies)
        else:
            subject, subject_text = ctx.subjects[who]
        st = _Stmt(commitment=True, text="", title_sv="", title_en="", themes=[])
        st.responsible = [subject]
        st.strength = _weighted(
            rng, (("binding", 88), ("intent", 39), ("process", 31), ("aspirational", 32))
        )
        st.change = "status-quo" if rng.random() < 0.11 else "change"
        does = f"fortsätta att {verb}" if st.change == "status-quo" else verb
        if st.strength == "binding":
            st.cue, body = f"ska {does}", f"ska {does} {obj}"
        elif st.strength == "intent":
            st.cue, body = f"vill {does}", f"vill {does} {obj}"
        elif st.strength == "process":
            st.cue, body = "ska utreda", f"ska utreda hur kommunen kan {does} {obj}"
        else:
            st.cue, body = "ska verka för", f"ska verka för att {does} {obj}"
        text = f"{subject_text} {body}"
        if rng.random() < 0.08:
            chosen = rng.sample(ctx.partners, rng.choice((1, 1, 2)))
            st.partner = [p for p, _ in chosen]
            text += " tillsammans med " + " och ".join(label for _, label in chosen)
        if rng.random() < 0.04 and ctx.subjects["forv"][0] != subject:
            st.responsible.append(ctx.subjects["forv"][0])
        if rng.random() < 0.2:
            places = rng.sample(ctx.places, rng.choice((1, 1, 1, 2)))
            st.areas = list(dict.fromkeys(p for p, _ in places))
            text += " " + " och ".join(phrase for _, phrase in places)
        if rng.random() < 0.45:
            groups = rng.sample(ctx.collectives, rng.choice((1, 1, 1, 2)))
            st.affected = [g for g, _ in groups]
            text += " för " + " och ".join(label for _, label in groups)
        roll = rng.random()
        if roll < 0.08:
            year = rng.choice((2023, 2024, 2025, 2026))
            if rng.random() < 0.7:
                text += f" senast år {year}"
                st.deadline = str(year)
            else:
                day = date(year, rng.choice((3, 6, 9, 12)), 1) - timedelta(days=1)
                text += f" senast den {day.isoformat()}"
                st.deadline = day.isoformat()
        elif roll < 0.11:
            millions = rng.choice((5, 10, 20, 50, 100, 250))
            text += f" med {millions} miljoner kronor"
            st.amount = str(millions * 1_000_000)
        elif roll < 0.14:
            years = rng.choice((2, 3, 4, 8))
            text += f" under {years} år"
            st.period = f"P{years}Y"
        st.text = text + "."
        st.title_sv = f"{verb[0].upper()}{verb[1:]} {obj}"
        st.title_en = f"{verb_en[0].upper()}{verb_en[1:]} {obj_en}"
        st.themes = self._themes(rng, ctx.theme, extra)
        if st.strength == "process" and rng.random() < 0.8:
            st.kind = "process"
        else:
            st.kind = _weighted(rng, (("action", 103), ("outcome", 48), ("process", 8)))
        st.testable = rng.random() < 0.62
        return st

    def _assess(self, rng: random.Random, s: str, name: str, commitment: str) -> None:
        """A quarter of commitments: one to three assessments, each added by a change."""
        if rng.random() >= 0.25:
            self.q.add(commitment, PG + "status", iri(ID + "status/not-yet-rated"))
            return
        count = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        slug = commitment.rsplit("/", 1)[-1]
        status = ID + "status/not-yet-rated"
        when = date(2023, 3, 1) + timedelta(days=rng.randint(0, 300))
        editor = f"{s}-redaktion"
        for n in range(1, count + 1):
            person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            assessor = ID + f"agent/{slugify(person)}"
            node = ID + f"assessment/{slug}-{n}"
            verdict = ID + f"status/{_weighted(rng, STATUSES)}"
            added: list[tuple[str, str, str]] = [
                (node, TYPE, iri(PG + "Assessment")),
                (node, PG + "assesses", iri(commitment)),
                (node, PG + "status", iri(verdict)),
                (node, DCT + "date", lit(when.isoformat(), dtype=XSD + "date")),
                (node, PROV + "wasAttributedTo", iri(assessor)),
            ]
            if self.q.once(assessor):
                added += [
                    (assessor, TYPE, iri(PROV + "Agent")),
                    (assessor, RDFS + "label", lit(person)),
                ]
            added.append(
                (
                    node,
                    PG + "evidence",
                    iri(f"https://example.org/{s}/protokoll/{when.isoformat()}"),
                )
            )
            if rng.random() < 0.5:
                added.append((node, RDFS + "comment", lit(f"Bedömt av {person} i {name}.")))
            removed: list[tuple[str, str, str]] = []
            if verdict != status:
                removed.append((commitment, PG + "status", iri(status)))
                added.append((commitment, PG + "status", iri(verdict)))
                status = verdict
            for t in added:
                if t[0] != commitment:
                    self.q.add(*t)
            self._change(editor, f"Bedömning av {slug}", added, removed)
            when += timedelta(days=rng.randint(60, 400))
        self.q.add(commitment, PG + "status", iri(status))

    def _change(
        self,
        author: str,
        message: str,
        added: list[tuple[str, str, str]],
        removed: list[tuple[str, str, str]],
    ) -> None:
        """The change-log record, as ``changes.Writer`` writes it for an applied change."""
        q, g = self.q, CHANGES_GRAPH
        self.changes += 1
        seq = self.changes
        change = ID + f"change/{seq}"
        agent = ID + f"agent/{author}"
        self.clock += timedelta(hours=5)
        q.add(change, TYPE, iri(PG + "Change"), g)
        q.add(change, TYPE, iri(PROV + "Activity"), g)
        q.add(change, PG + "sequence", integer(seq), g)
        q.add(change, PROV + "wasAssociatedWith", iri(agent), g)
        if q.once(f"changes-agent {agent}"):
            q.add(agent, TYPE, iri(PROV + "Agent"), g)
            q.add(agent, RDFS + "label", lit(author), g)
        stamp = f"{self.clock.isoformat()}T09:{seq % 60:02d}:00.000Z"
        q.add(change, PROV + "startedAtTime", lit(stamp, dtype=XSD + "dateTime"), g)
        q.add(change, RDFS + "comment", lit(message), g)
        for kind, triples in (("added", added), ("removed", removed)):
            for i, (s, p, o) in enumerate(triples):
                st = f"{change}#{kind}-{i + 1}"
                q.add(change, PG + kind, iri(st), g)
                q.add(st, TYPE, iri(RDF + "Statement"), g)
                q.add(st, RDF + "subject", iri(s), g)
                q.add(st, RDF + "predicate", iri(p), g)
                q.add(st, RDF + "object", o, g)
                q.add(st, PG + "graph", iri(DATA_GRAPH), g)
        self.last_change = change


def generate(triples: int, seed: int = 7, root: Path = ROOT) -> GeneratedGraph:
    """A graph of about ``triples`` quads (the ontology and themes included).

    Municipalities are added until the next would overshoot; the last one is cut to the
    sections that fit, so the size lands within a few per cent of ``triples``.
    """
    head = ontology_quads(root)
    writer = _Writer(seed)
    writer.shared()
    municipalities: list[Municipality] = []
    names = _names(seed)
    index = 0
    while len(head) + len(writer.q) < triples:
        name = next(names)
        # Try the whole municipality; if it overshoots by more than 3 %, retry with fewer
        # sections (on a copy of the writer's state, so nothing half-written remains).
        state = (writer.q.mark(), writer.changes, writer.last_change, writer.clock)
        m = writer.municipality(index, name, None)
        total = len(head) + len(writer.q)
        sections = len(m.sections)
        while total > triples * 1.03 and sections > 1:
            sections -= 1
            writer.q.rollback(state[0])
            writer.changes, writer.last_change, writer.clock = state[1], state[2], state[3]
            m = writer.municipality(index, name, sections)
            total = len(head) + len(writer.q)
        before = len(head) + state[0][0]
        if total > triples * 1.03 and before >= triples * 0.97:
            # Even one section overshoots, and the graph is near enough without it.
            writer.q.rollback(state[0])
            writer.changes, writer.last_change, writer.clock = state[1], state[2], state[3]
            break
        municipalities.append(m)
        index += 1
    if writer.last_change is not None:
        writer.q.add(CHANGES_GRAPH, PG + "head", iri(writer.last_change), CHANGES_GRAPH)
    body = "".join(head) + "".join(writer.q.lines)
    return GeneratedGraph(
        body.encode("utf-8"),
        len(head) + len(writer.q),
        municipalities,
        seed,
        writer.changes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    g = generate(args.triples, args.seed)
    g.write(args.out)
    sys.stderr.write(
        f"{args.out}: {g.quads} quads, {len(g.municipalities)} municipalities, "
        f"{g.changes} changes\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
