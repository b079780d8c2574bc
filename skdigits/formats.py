"""Formats of handwritten fields: what a field may say, known before reading it.

A postcode is five digits, an amount has two decimals, a date is a valid
date: a reader that knows the format returns the most probable text that
has it, or rejects the field, rather than a text no field could say. LeCun
et al. (1998) owed most of their cheque reader's gain to such a grammar.

A `FieldFormat` is a regular expression over the reader's alphabet (turned
into an automaton by ``interegular``, not by a regex engine of ours) and
an optional check of the whole text, such as `luhn_check` or any callable.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import interegular
from interegular.fsm import anything_else

__all__ = ["FieldFormat", "luhn_check"]

# Characters named in messages, at most.
_MAX_NAMED = 10


def luhn_check(text: str) -> bool:
    """Whether ``text``'s digits pass the Luhn check (card and account numbers).

    Characters other than digits (separators) are skipped; a text without
    digits fails.

    Examples
    --------
    >>> from skdigits.formats import luhn_check
    >>> luhn_check("79927398713"), luhn_check("79927398710")
    (True, False)
    """
    digits = [int(char) for char in text if char.isdigit()]
    if not digits:
        return False
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class FieldFormat:
    """What a field may say: a regular expression, and a check of the text.

    Parameters
    ----------
    pattern : str
        A regular expression (Python's syntax) that the whole text must
        match, such as ``r"\\d{5}"`` for a postcode or
        ``r"\\d{1,7}[.,]\\d{2}"`` for an amount. It may name only the
        reader's symbols.

    check : callable, default=None
        ``check(text) -> bool``, which the text must also pass (a check
        digit: `luhn_check`; a valid date); None checks nothing more.

    name : str, default=None
        A name for messages; the pattern if None.

    Examples
    --------
    >>> from skdigits.formats import FieldFormat
    >>> postcode = FieldFormat(r"\\d{5}")
    >>> automaton = postcode.automaton("0123456789")
    >>> automaton.accepts("75014"), automaton.accepts("7501")
    (True, False)
    """

    pattern: str
    check: Callable[[str], bool] | None = None
    name: str | None = None
    _automata: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.pattern, str):
            raise TypeError(
                f"pattern must be a regular expression (str); got "
                f"{type(self.pattern).__name__}."
            )
        if self.check is not None and not callable(self.check):
            raise TypeError(f"check must be a callable or None; got {self.check!r}.")
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise ValueError(
                f"The format {self.pattern!r} is not a valid regular expression: "
                f"{error}."
            ) from None

    def automaton(self, alphabet: str) -> "Automaton":
        """The format as an automaton over ``alphabet``'s symbols (cached).

        Raises a ValueError naming the characters of the pattern outside
        ``alphabet``, or saying that it accepts no text of it.
        """
        automaton = self._automata.get(alphabet)
        if automaton is None:
            automaton = self._automata[alphabet] = Automaton.compile(self, alphabet)
        return automaton

    def __str__(self) -> str:
        return self.name or self.pattern


@dataclass(frozen=True)
class Automaton:
    """A deterministic automaton over an alphabet's symbols (1 to K).

    ``transitions[state][symbol]`` is the next state; a symbol absent from
    a state's transitions, or leading where no accepted text can be
    reached, is refused.
    """

    alphabet: str
    initial: int
    finals: frozenset
    transitions: dict

    @classmethod
    def compile(cls, text_format: FieldFormat, alphabet: str) -> "Automaton":
        """Build it from ``text_format``'s pattern with interegular."""
        try:
            fsm = interegular.parse_pattern(text_format.pattern).to_fsm()
        except Exception as error:
            raise ValueError(
                f"The format {text_format.pattern!r} cannot be read as a regular "
                f"expression of texts: {type(error).__name__} {error}".rstrip()
                + "."
            ) from None
        outside = sorted(
            char
            for char in fsm.alphabet
            if char is not anything_else and char not in alphabet
        )
        if outside:
            named = "".join(outside[:_MAX_NAMED]) + (
                "..." if len(outside) > _MAX_NAMED else ""
            )
            raise ValueError(
                f"The format {text_format.pattern!r} names characters the reader "
                f"cannot read ({named!r}); its alphabet is {alphabet!r}."
            )
        # The moves on the alphabet's symbols; then only the states from
        # which a text of the alphabet reaches a final state.
        moves = {
            state: {
                symbol: fsm.map[state][fsm.alphabet[char]]
                for symbol, char in enumerate(alphabet, start=1)
                if fsm.alphabet[char] in fsm.map.get(state, {})
            }
            for state in fsm.states
        }
        live = set(fsm.finals)
        grew = True
        while grew:
            grew = False
            for state, targets in moves.items():
                if state not in live and live.intersection(targets.values()):
                    live.add(state)
                    grew = True
        if fsm.initial not in live:
            raise ValueError(
                f"The format {text_format.pattern!r} accepts no text of the "
                f"alphabet {alphabet!r}."
            )
        transitions = {
            state: {symbol: to for symbol, to in targets.items() if to in live}
            for state, targets in moves.items()
            if state in live
        }
        automaton = cls(
            alphabet=alphabet,
            initial=fsm.initial,
            finals=frozenset(fsm.finals) & live,
            transitions=transitions,
        )
        return automaton

    def step(self, state, symbol: int):
        """The state after ``symbol`` (1 to K), or None if refused."""
        return self.transitions.get(state, {}).get(symbol)

    def accepts_state(self, state) -> bool:
        """Whether a text that ends in ``state`` is accepted."""
        return state in self.finals

    def accepts(self, text: str) -> bool:
        """Whether the automaton accepts ``text``."""
        state = self.initial
        for char in text:
            if char not in self.alphabet:
                return False
            state = self.step(state, self.alphabet.index(char) + 1)
            if state is None:
                return False
        return self.accepts_state(state)
