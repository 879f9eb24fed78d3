"""Incremental validation gives the verdict a full validation of the changed graph gives.

The property (on many random valid and invalid changes, the incremental verdict equals a
full validation of the resulting graph) is checked with hypothesis on changes built from
the real graph: up to three of its data quads removed, up to three quads added whose
subjects, predicates and objects are real nodes, sometimes of the right kind and sometimes
not, and literals that are sometimes well-typed and sometimes not. Beside the verdict, the
incremental report must hold exactly the full report's violations on the nodes it scoped,
and the scope must hold every node the full validation finds a violation on: nothing may
be missed. The named examples below are the cases that break a naive choice of focus
nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from platform_graph.build.graph import BuildResult
from platform_graph.store import Quad, Term
from platform_graph.store.oxigraph import OxigraphStore
from platform_graph.validation.incremental import Scope, Validator, full_graph_after
from platform_graph.validation.shacl import Report, validate
from platform_graph.vocab.namespaces import (
    DATA_GRAPH,
    DCTERMS,
    GEO,
    ID,
    OA,
    ORG,
    PG,
    PREFIXES,
    RDF,
    SKOS,
    THEME,
    THEMES_GRAPH,
    WD,
)

POLISEN = ID["actor/polisen"]
VIVALLA = ID["commitment/trygghet-vivalla-ej-sarskilt-utsatt-2027"]

Violation = tuple[str, str | None, str]


# --- the graph and the nodes changes are built from ----------------------------------


def _sorted_nodes(nodes: set[Term]) -> list[URIRef]:
    return sorted((n for n in nodes if isinstance(n, URIRef)), key=str)


class Pools:
    """Real nodes of each kind, sorted so that a seed always draws the same ones.

    A plain class, not a dataclass: hypothesis prints a dataclass argument field by field,
    and the whole graph is a 650 kB repr (a warning, so an error under -W error).
    """

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self.data_quads = sorted(
            store.quads(graph=DATA_GRAPH), key=lambda q: tuple(t.n3() for t in q)
        )
        self.subjects = _sorted_nodes({q[0] for q in self.data_quads})
        self.commitments = self.typed(PG.Commitment)
        self.statements = self.typed(PG.Statement)
        self.sentences = self.typed(PG.Sentence)
        self.sections = self.typed(PG.Section)
        self.actors = self.typed(PG.Actor)
        self.areas = self.typed(PG.Area)
        self.positions = self.typed(OA.TextPositionSelector)
        self.quotes = self.typed(OA.TextQuoteSelector)
        self.platforms = self.typed(PG.Platform)
        self.themes = self.in_scheme(PG.ThemeScheme)
        self.strengths = self.in_scheme(PG.StrengthScheme)
        self.statuses = self.in_scheme(PG.StatusScheme)
        self.exacts = sorted(
            {o for _, _, o, _ in store.quads(predicate=OA.exact) if isinstance(o, Literal)},
            key=str,
        )

    def typed(self, cls: URIRef) -> list[URIRef]:
        return _sorted_nodes({s for s, _, _, _ in self.store.quads(predicate=RDF.type, obj=cls)})

    def in_scheme(self, scheme: URIRef) -> list[URIRef]:
        quads = self.store.quads(predicate=SKOS.inScheme, obj=scheme)
        return _sorted_nodes({s for s, _, _, _ in quads})

    def __repr__(self) -> str:
        return f"Pools({len(self.data_quads)} data quads)"


@pytest.fixture(scope="module")
def store(built: BuildResult) -> OxigraphStore:
    """The built graph in its own in-memory store: validate_change must only read it."""
    store = OxigraphStore(None)
    store.load(built.nquads(), "application/n-quads")
    return store


@pytest.fixture(scope="module")
def validator(shapes: Graph) -> Validator:
    return Validator(shapes)


@pytest.fixture(scope="module")
def pools(store: OxigraphStore, shapes: Graph) -> Pools:
    base = validate(full_graph_after(store, [], []), shapes)
    assert base.conforms, base.to_text()
    return Pools(store)


# --- comparing the incremental verdict with the full one -----------------------------


def _iri(focus: str) -> URIRef:
    """The IRI behind a report's focus, which the report may write as a prefixed name."""
    prefix, sep, local = focus.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return URIRef(PREFIXES[prefix] + local)
    return URIRef(focus)


def _owners(graph: Graph, focus: str) -> set[URIRef]:
    """The IRIs a report's focus stands for: itself, or for a blank node (which pyshacl
    reports in the details of an sh:node result) the IRIs that reach it."""
    if not focus.startswith("_:"):
        return {_iri(focus)}
    seen: set[BNode] = set()
    frontier = [BNode(focus[2:])]
    found: set[URIRef] = set()
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for s in graph.subjects(None, node):
            if isinstance(s, URIRef):
                found.add(s)
            elif isinstance(s, BNode):
                frontier.append(s)
    return found


def _violations(report: Report) -> set[Violation]:
    return {(r.focus, r.path, r.message_en) for r in report.violations}


@dataclass
class Outcome:
    incremental: Report
    scope: Scope
    full: Report


def _compare(
    store: OxigraphStore,
    validator: Validator,
    shapes: Graph,
    remove: Sequence[Quad],
    add: Sequence[Quad],
) -> Outcome:
    """Validate the change both ways and assert they agree; return both for more checks."""
    size = len(store)
    incremental, scope = validator.validate_change(store, remove, add)
    after = full_graph_after(store, remove, add)
    full = validate(after, shapes)
    assert len(store) == size, "validate_change must not write to the store"
    shown = f"incremental:\n{incremental.to_text()}\nfull:\n{full.to_text()}"
    assert incremental.conforms == full.conforms, shown
    if scope.focus is None:
        assert _violations(incremental) == _violations(full), shown
        return Outcome(incremental, scope, full)
    missed = {v for v in _violations(full) if not _owners(after, v[0]) & scope.focus}
    assert not missed, f"violations outside the scope {sorted(map(str, scope.focus))}: {missed}"
    # A blank node in scope is one a focus node owns (a theme given as a blank node is a
    # target of its own, through sh:targetObjectsOf).
    in_scope = {
        v
        for v in _violations(full)
        if (_owners(after, v[0]) if v[0].startswith("_:") else {_iri(v[0])}) & scope.focus
    }
    assert _violations(incremental) == in_scope, shown
    return Outcome(incremental, scope, full)


# --- the property ----------------------------------------------------------------------


def _lit(text: str, datatype: URIRef) -> Literal:
    return Literal(text, datatype=datatype)


def _labels() -> st.SearchStrategy[Literal]:
    return st.builds(
        Literal,
        st.sampled_from(["Ny titel", "New title", "Neuer Titel"]),
        lang=st.sampled_from(["sv", "en", "de", None]),
    )


# Built once: rdflib logs a traceback for each ill-typed literal it is given.
_NOT_INTEGERS = [Literal("12"), Literal(Decimal("1.5")), _lit("tolv", XSD.integer)]
_DEADLINES = [
    _lit("2027", XSD.gYear),
    _lit("2026-12-31", XSD.date),
    _lit("år 2027", XSD.gYear),
    _lit("2027-13", XSD.gYear),
    _lit("2026-02-30", XSD.date),
    Literal("snart"),
    Literal(2027),
]


def _integers() -> st.SearchStrategy[Literal]:
    return st.one_of(
        st.integers(min_value=-3, max_value=40000).map(lambda n: Literal(n)),
        st.sampled_from(_NOT_INTEGERS),
    )


def _deadlines() -> st.SearchStrategy[Literal]:
    return st.sampled_from(_DEADLINES)


Table = dict[URIRef, tuple[list[URIRef], st.SearchStrategy[Term]]]


def _table(p: Pools) -> Table:
    """For each predicate the shapes read: the subjects it belongs on, and objects for it
    that are sometimes right (the first choices) and sometimes of the wrong kind."""

    def nodes(*groups: list[URIRef]) -> st.SearchStrategy[Term]:
        return st.one_of(*(st.sampled_from(g) for g in groups if g))

    classes = [
        PG.Commitment,
        PG.Statement,
        PG.ContextStatement,
        PG.Sentence,
        PG.Section,
        PG.Actor,
        PG.PublicBody,
        PG.Area,
        PG.District,
        PG.Platform,
        OA.TextPositionSelector,
        OA.TextQuoteSelector,
        SKOS.Concept,
    ]
    return {
        PG.theme: (p.statements + p.sections, nodes(p.themes, p.strengths, p.actors)),
        PG.deadline: (p.commitments, _deadlines()),
        PG.strength: (p.statements, nodes(p.strengths, p.statuses, p.themes)),
        PG.status: (p.commitments, nodes(p.statuses, p.strengths)),
        PG.responsibleActor: (p.statements, nodes(p.actors, p.areas, p.sentences)),
        PG.concernsArea: (p.statements, nodes(p.areas, p.actors)),
        PG.inSentence: (p.statements, nodes(p.sentences, p.sections, p.statements)),
        OA.start: (p.positions + p.statements, _integers()),
        OA.end: (p.positions, _integers()),
        OA.exact: (
            p.quotes,
            st.one_of(st.sampled_from(p.exacts), st.sampled_from([Literal("x"), Literal(5)])),
        ),
        RDF.type: (p.subjects, st.sampled_from(classes)),
        DCTERMS.title: (p.commitments + p.sections + p.actors + p.platforms, _labels()),
        SKOS.prefLabel: (p.actors + p.areas + p.themes + p.strengths, _labels()),
        ORG.subOrganizationOf: (p.actors, nodes(p.actors, p.areas)),
        GEO.sfWithin: (p.areas, nodes(p.areas, p.actors)),
    }


class Change:
    """Quads to remove and to add, shown one triple a line (a plain class, for the repr)."""

    def __init__(self, remove: list[Quad], add: list[Quad]) -> None:
        self.remove = remove
        self.add = add

    def __repr__(self) -> str:
        def show(quads: list[Quad]) -> str:
            return "".join(f"\n    {s.n3()} {p.n3()} {o.n3()}" for s, p, o, _ in quads)

        return f"Change(remove:{show(self.remove)}\n  add:{show(self.add)})"


@st.composite
def _changes(draw: st.DrawFn, pools: Pools) -> Change:
    table = _table(pools)
    remove = draw(st.lists(st.sampled_from(pools.data_quads), max_size=3, unique=True))
    add: list[Quad] = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        how = draw(st.sampled_from(["triple", "any subject", "blank theme", "re-add"]))
        if how == "re-add" and remove:
            # Remove then add the same quad: the graph keeps it.
            add.append(draw(st.sampled_from(remove)))
        elif how == "blank theme":
            # A theme given as a blank node, right or wrong by what its scheme is.
            owner = draw(st.sampled_from(pools.statements))
            blank = BNode(f"hypothesis{i}")
            scheme = draw(st.sampled_from([PG.ThemeScheme, PG.StrengthScheme]))
            add.append((owner, PG.theme, blank, DATA_GRAPH))
            add.append((blank, SKOS.inScheme, scheme, DATA_GRAPH))
        else:
            predicate = draw(st.sampled_from(sorted(table, key=str)))
            subjects, objects = table[predicate]
            if how == "any subject":
                subjects = pools.subjects
            subject = draw(st.sampled_from(subjects))
            add.append((subject, predicate, draw(objects), DATA_GRAPH))
    return Change(remove, add)


@settings(
    max_examples=20,
    derandomize=True,
    database=None,
    deadline=None,
    # Each example validates the whole graph (about 2 s): shrinking a failure would take
    # minutes, so the failing change is reported as drawn.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_the_incremental_verdict_is_the_full_verdict(
    data: st.DataObject,
    store: OxigraphStore,
    validator: Validator,
    shapes: Graph,
    pools: Pools,
) -> None:
    change = data.draw(_changes(pools), label="change")
    outcome = _compare(store, validator, shapes, change.remove, change.add)
    event("valid" if outcome.full.conforms else "invalid")
    focus = outcome.scope.focus
    event("scope: whole graph" if focus is None else f"scope: {len(focus) // 10 * 10}+ nodes")


# --- named examples: what breaks a naive choice of focus nodes -----------------------


def _quads(store: OxigraphStore, s: URIRef, p: URIRef, graph: URIRef = DATA_GRAPH) -> list[Quad]:
    return store.quads(subject=s, predicate=p, graph=graph)


def _focused(outcome: Outcome) -> set[URIRef]:
    assert outcome.scope.focus is not None
    return outcome.scope.focus


def _violating(report: Report) -> set[URIRef]:
    return {_iri(r.focus) for r in report.violations}


def test_removing_an_actors_types_rechecks_the_statements_naming_it(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    naming = {s for s, p, _, _ in store.quads(obj=POLISEN) if isinstance(s, URIRef)}
    assert naming
    outcome = _compare(store, validator, shapes, _quads(store, POLISEN, RDF.type), [])
    assert not outcome.incremental.conforms
    assert naming <= _focused(outcome)
    assert naming <= _violating(outcome.incremental)
    assert all("known type (pg:Actor)" in r.message_en for r in outcome.incremental.violations)


def test_removing_a_themes_scheme_rechecks_the_statements_with_that_theme(
    store: OxigraphStore, validator: Validator, shapes: Graph, pools: Pools
) -> None:
    theme = next(t for t in pools.themes if store.quads(predicate=PG.theme, obj=t))
    with_theme = {s for s, _, _, _ in store.quads(predicate=PG.theme, obj=theme)}
    remove = _quads(store, theme, SKOS.inScheme, THEMES_GRAPH)
    assert remove
    outcome = _compare(store, validator, shapes, remove, [])
    assert outcome.scope.focus is None  # the themes are global: a full validation
    assert not outcome.incremental.conforms
    assert with_theme <= _violating(outcome.incremental)


def test_removing_a_statements_sentence_puts_the_sentence_in_focus(
    store: OxigraphStore, validator: Validator, shapes: Graph, pools: Pools
) -> None:
    def quoted_once(sentence: URIRef) -> bool:
        return len(store.quads(predicate=PG.inSentence, obj=sentence)) == 1

    sentence = next(s for s in pools.sentences if quoted_once(s))
    [link] = store.quads(predicate=PG.inSentence, obj=sentence)
    outcome = _compare(store, validator, shapes, [link], [])
    assert sentence in _focused(outcome)
    assert link[0] in _focused(outcome)
    messages = {r.message_en for r in outcome.incremental.violations if _iri(r.focus) == sentence}
    assert any("not accounted for" in m for m in messages), outcome.incremental.to_text()


@pytest.mark.parametrize(
    ("scheme", "owner_violates"),
    [(PG.StrengthScheme, True), (PG.ThemeScheme, False)],
    ids=["wrong-scheme", "theme-scheme"],
)
def test_a_blank_node_is_resolved_to_the_iri_that_owns_it(
    store: OxigraphStore, validator: Validator, shapes: Graph, scheme: URIRef, owner_violates: bool
) -> None:
    """A theme given as a blank node is checked through the commitment that owns it: in the
    wrong scheme the commitment violates; in the theme scheme the theme itself does, since
    it has no Comparative Agendas Project topic."""
    blank = BNode("theme-as-blank-node")
    add: list[Quad] = [
        (VIVALLA, PG.theme, blank, DATA_GRAPH),
        (blank, SKOS.inScheme, scheme, DATA_GRAPH),
    ]
    outcome = _compare(store, validator, shapes, [], add)
    assert VIVALLA in _focused(outcome)
    assert outcome.incremental.conforms is False
    violating = {r.focus for r in outcome.incremental.violations}
    assert (str(VIVALLA) in violating) is owner_violates
    assert blank.n3() in violating


def test_moving_a_statements_start_is_a_misquote(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    position = URIRef(f"{VIVALLA}#position")
    [old] = _quads(store, position, OA.start)
    start = int(old[2])
    new: Quad = (position, OA.start, Literal(start + 1), DATA_GRAPH)
    outcome = _compare(store, validator, shapes, [old], [new])
    assert VIVALLA in _focused(outcome)
    assert any(
        r.message_en.startswith("Misquote") and _iri(r.focus) == VIVALLA
        for r in outcome.incremental.violations
    ), outcome.incremental.to_text()


def test_moving_a_sentences_start_rechecks_its_statements(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    [(_, _, sentence, _)] = _quads(store, VIVALLA, PG.inSentence)
    assert isinstance(sentence, URIRef)
    position = URIRef(f"{sentence}#position")
    [old] = _quads(store, position, OA.start)
    start = int(old[2])
    new: Quad = (position, OA.start, Literal(start + 1), DATA_GRAPH)
    outcome = _compare(store, validator, shapes, [old], [new])
    statements = {s for s, _, _, _ in store.quads(predicate=PG.inSentence, obj=sentence)}
    assert statements | {sentence} <= _focused(outcome)
    assert not outcome.incremental.conforms


def test_changing_the_full_text_validates_the_whole_graph(
    store: OxigraphStore, validator: Validator, shapes: Graph, pools: Pools
) -> None:
    [platform] = pools.platforms
    [old] = _quads(store, platform, PG.fullText)
    new: Quad = (platform, PG.fullText, Literal("X" + str(old[2])), DATA_GRAPH)
    outcome = _compare(store, validator, shapes, [old], [new])
    assert outcome.scope.focus is None
    assert any(r.message_en.startswith("Misquote") for r in outcome.incremental.violations)


def test_a_valid_english_title_on_an_actor_has_a_small_scope(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    add: list[Quad] = [(POLISEN, DCTERMS.title, Literal("The Police", lang="en"), DATA_GRAPH)]
    outcome = _compare(store, validator, shapes, [], add)
    assert outcome.incremental.conforms
    assert POLISEN in _focused(outcome)
    assert len(_focused(outcome)) < 20


# --- counterexamples found while writing the property ---------------------------------


def test_removing_and_adding_the_same_quad_changes_nothing(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    """A change that removes a quad and adds it back (a value set to what it was)."""
    types = _quads(store, POLISEN, RDF.type)
    outcome = _compare(store, validator, shapes, types, types)
    assert outcome.incremental.conforms


@pytest.mark.parametrize(
    "focus",
    [THEME["digitalisering"], PG.ThemeScheme, WD.Q_hypothetical],
    ids=["theme", "pg", "wd"],
)
def test_a_violation_on_a_prefixed_iri_is_kept(
    store: OxigraphStore, validator: Validator, shapes: Graph, focus: URIRef
) -> None:
    """The report names IRIs outside id: by prefix (theme:x); the scope holds full IRIs."""
    add: list[Quad] = [(focus, RDF.type, PG.Sentence, DATA_GRAPH)]
    outcome = _compare(store, validator, shapes, [], add)
    assert not outcome.incremental.conforms


def test_a_new_blank_node_target_is_validated(
    store: OxigraphStore, validator: Validator, shapes: Graph
) -> None:
    """A blank node no IRI owns is still a focus node of the full validation."""
    blank = BNode("orphan-commitment")
    outcome = _compare(store, validator, shapes, [], [(blank, RDF.type, PG.Commitment, DATA_GRAPH)])
    assert not outcome.incremental.conforms


@pytest.mark.parametrize(
    "value",
    [_lit("tolv", XSD.integer), Literal(Decimal("1.5"))],
    ids=["ill-typed-integer", "decimal"],
)
def test_a_text_position_that_is_not_an_integer_is_a_violation_not_a_crash(
    store: OxigraphStore, validator: Validator, shapes: Graph, value: Literal
) -> None:
    """The misquote check does arithmetic on oa:start and oa:end: it must not run on
    values that are not integers (the datatype constraint reports those)."""
    position = URIRef(f"{VIVALLA}#position")
    remove = _quads(store, position, OA.end)
    outcome = _compare(store, validator, shapes, remove, [(position, OA.end, value, DATA_GRAPH)])
    assert not outcome.incremental.conforms
    assert any("exactly one end" in r.message_en for r in outcome.incremental.violations)


def test_the_store_is_unchanged(store: OxigraphStore, built: BuildResult) -> None:
    fresh = OxigraphStore(None)
    fresh.load(built.nquads(), "application/n-quads")
    assert set(store.quads()) == set(fresh.quads())
