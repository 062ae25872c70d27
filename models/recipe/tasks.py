"""Task families and their chains of thought.

Every family is reduced to the same worked format so the model learns one skill:
  1. write the computation as a zero-padded expression (numbers below 1000 get 3 digits: fixed width
     is what lets a tiny model line digits up),
  2. evaluate one operation per line, `a op b = c`, followed by the rewritten remaining expression (how a line
     pads its operands, and whether it splits a wide product, is the run's ChainFormat: FORMATS),
  3. end with the final-answer line `#### N`.
Several valid paths exist for most problems (which independent operation first, commuted operands,
which operand of a multiplication to split): we sample among them so that voting has something to vote on.
"""
import csv
import itertools
import os
import random
from fractions import Fraction

ANSWER_MARK = "#### "
OPS = "+-*/"
PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
MAX_ABS = 99999  # intermediate values beyond this are rejected: the model never sees huge numbers


# ---------------------------------------------------------------- expressions as trees
# A tree is an int (leaf) or a tuple (op, left, right).

def parse(text):
    """Parse an integer expression with + - * / and parentheses (also × − ÷, spaces ignored)."""
    s = text.replace("×", "*").replace("−", "-").replace("÷", "/").replace(" ", "")
    pos = 0

    def peek():
        return s[pos] if pos < len(s) else ""

    def expr():
        nonlocal pos
        node = term()
        while peek() in ("+", "-") and peek():
            op = s[pos]; pos += 1
            node = (op, node, term())
        return node

    def term():
        nonlocal pos
        node = atom()
        while peek() in ("*", "/") and peek():
            op = s[pos]; pos += 1
            node = (op, node, atom())
        return node

    def atom():
        nonlocal pos
        if peek() == "(":
            pos += 1
            node = expr()
            if peek() != ")":
                raise ValueError("missing ) in " + text)
            pos += 1
            return node
        start = pos
        while peek().isdigit():
            pos += 1
        if start == pos:
            raise ValueError("number expected at %d in %r" % (pos, text))
        return int(s[start:pos])

    node = expr()
    if pos != len(s):
        raise ValueError("unexpected %r in %r" % (s[pos:], text))
    return node


def apply(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return Fraction(a) / Fraction(b)


def evaluate(node):
    if isinstance(node, int):
        return node
    op, l, r = node
    return apply(op, evaluate(l), evaluate(r))


def num(v):
    """Fixed-width number: at least 3 digits, sign in front."""
    return ("-" if v < 0 else "") + "%03d" % abs(v)


def render(node, fmt=num):
    """Minimal parentheses that keep the tree's shape (a right child of equal precedence keeps them)."""
    if not isinstance(node, tuple):
        return fmt(node)
    op, l, r = node
    ls, rs = render(l, fmt), render(r, fmt)
    if isinstance(l, tuple) and PREC[l[0]] < PREC[op]:
        ls = "(" + ls + ")"
    if isinstance(r, tuple) and PREC[r[0]] <= PREC[op]:
        rs = "(" + rs + ")"
    return ls + op + rs


def count_ops(node):
    return 0 if isinstance(node, int) else 1 + count_ops(node[1]) + count_ops(node[2])


def well_formed(node):
    """Integer intermediates, bounded, no negative right operand (keeps `a--b` out of the chains)."""
    if isinstance(node, int):
        return True
    op, l, r = node
    if not (well_formed(l) and well_formed(r)):
        return False
    a, b = evaluate(l), evaluate(r)
    if b < 0 or (op == "/" and (b == 0 or a % b != 0)):
        return False
    if op == "*" and min(abs(a), abs(b)) >= 100:
        return False  # 3-digit by 3-digit products are beyond a few-million-parameter model
    v = apply(op, a, b)
    if isinstance(v, Fraction) and v.denominator != 1:
        return False
    return abs(v) <= MAX_ABS


# ---------------------------------------------------------------- chains of thought

def reducible_paths(node, path=()):
    """Paths to the operations whose both operands are already numbers."""
    if isinstance(node, int):
        return []
    op, l, r = node
    if isinstance(l, int) and isinstance(r, int):
        return [path]
    return reducible_paths(l, path + (1,)) + reducible_paths(r, path + (2,))


def replace(node, path, value):
    if not path:
        return value
    parts = list(node)
    parts[path[0]] = replace(node[path[0]], path[1:], value)
    return tuple(parts)


def get(node, path):
    for i in path:
        node = node[i]
    return node


class ChainFormat:
    """How a chain writes its operation lines (named formats in FORMATS, chosen per training run).

    aligned: both operands and the result of a line are padded to the widest operand (at least 3 digits), so the
    digits of `0248+3720` line up as they do for numbers below 1000.
    split_wide: a factor of 100 or more times a one-digit multiplier (or a multiple of 10, 100, ...) is split into its
    hundreds and the rest, so the model only multiplies two-digit numbers by one digit."""

    def __init__(self, aligned, split_wide):
        self.aligned, self.split_wide = aligned, split_wide

    def line(self, a, op, b, v):
        if not self.aligned:
            return "%s%s%s=%s" % (num(a), op, num(b), num(v))
        width = max(3, len(str(abs(a))), len(str(abs(b))))
        pad = lambda x: ("-" if x < 0 else "") + "%0*d" % (width, abs(x))
        return "%s%s%s=%s" % (pad(a), op, pad(b), pad(v))


# fixed: every number at least 3 digits, one line per product by a digit (the models up to v10);
# aligned: operands lined up, wide products split (from v11 on).
FORMATS = {"fixed": ChainFormat(aligned=False, split_wide=False), "aligned": ChainFormat(aligned=True, split_wide=True)}


def one_significant_digit(n):
    return n != 0 and len(str(abs(n)).rstrip("0")) == 1


def wide_product_lines(x, p, rng, fmt):
    """x*p with |x| >= 100 and p one digit times a power of ten: (x's hundreds)*p and (the rest)*p, then their sum.
    Returns no lines when there is nothing to split (x a multiple of 100, or p is 1)."""
    if not fmt.split_wide or x < 100 or x % 100 == 0 or not one_significant_digit(p) or p == 1:
        return []
    high, low = x - x % 100, x % 100
    parts = [high, low] if rng.random() < 0.5 else [low, high]
    lines = [fmt.line(q, "*", p, q * p) for q in parts]
    lines.append(fmt.line(parts[0] * p, "+", parts[1] * p, x * p))
    return lines


def multiplication_lines(a, b, rng, fmt):
    """a*b for two multi-digit factors, split into tens/ones of one factor (random choice of which,
    and of the order of partial products): the model only ever multiplies by one digit."""
    lines = []
    # split the factor with fewer digits (either one when they tie); a negative factor stays whole
    candidates = [(a, b), (b, a)] if a >= 0 else [(a, b)]
    fewest = min(len(str(abs(c[1]))) for c in candidates)
    x, y = rng.choice([c for c in candidates if len(str(abs(c[1]))) == fewest])
    ydigits = str(y)
    parts = [int(d) * 10 ** (len(ydigits) - 1 - i) for i, d in enumerate(ydigits) if d != "0"]
    if len(parts) == 1:
        return [], x, y
    if rng.random() < 0.5:
        parts.reverse()
    products = []
    for p in parts:
        products.append(x * p)
        lines.extend(wide_product_lines(x, p, rng, fmt))
        lines.append(fmt.line(x, "*", p, x * p))
    total = products[0]
    for p in products[1:]:
        lines.append(fmt.line(total, "+", p, total + p))
        total += p
    return lines, x, y


def solve_lines(tree, rng, fmt=FORMATS["fixed"]):
    """Worked lines for a tree: one operation per line plus the rewritten rest."""
    lines = [render(tree)]
    while isinstance(tree, tuple):
        path = rng.choice(reducible_paths(tree))
        op, a, b = get(tree, path)
        v = apply(op, a, b)
        v = int(v)
        if op == "*" and abs(a) >= 10 and abs(b) >= 10 and rng.random() < 0.85:
            sub, a, b = multiplication_lines(a, b, rng, fmt)
            lines.extend(sub)
        else:
            if op in "+*" and a >= 0 and rng.random() < 0.5:
                a, b = b, a  # commuted operands: same step, another surface
            if op == "*" and fmt.split_wide and rng.random() < 0.85:
                lines.extend(wide_product_lines(a, b, rng, fmt) or wide_product_lines(b, a, rng, fmt))
        tree = replace(tree, path, v)
        step = fmt.line(a, op, b, v)
        lines.append(step if isinstance(tree, int) else step + ", " + render(tree))
    lines.append(ANSWER_MARK + str(tree))
    return lines


# ---------------------------------------------------------------- family 1: arithmetic

def random_operand(rng, one_digit=0.15, up_to_two_digits=0.85):
    """One digit with probability one_digit, two up to up_to_two_digits, else three."""
    r = rng.random()
    if r < one_digit:
        return rng.randint(1, 9)
    if r < up_to_two_digits:
        return rng.randint(10, 99)
    return rng.randint(100, 999)


def random_tree(rng, n_ops):
    if n_ops == 0:
        return random_operand(rng)
    left_ops = rng.randint(0, n_ops - 1)
    op = rng.choice("++--**")
    left = random_tree(rng, left_ops)
    right = random_tree(rng, n_ops - 1 - left_ops)
    if op == "*":
        # keep products learnable: one factor small most of the time
        if isinstance(right, int) and rng.random() < 0.6:
            right = rng.randint(2, 12)
    return (op, left, right)


def arithmetic_tree(rng, n_ops):
    for _ in range(200):
        t = random_tree(rng, n_ops)
        if well_formed(t):
            return t
    return random_tree(rng, 0) if n_ops == 0 else ("+", arithmetic_tree(rng, n_ops - 1), rng.randint(1, 99))


def surface(tree, rng):
    """The expression as a user would type it: spacing, × or *, − or -, redundant parentheses kept."""
    spaced = rng.random() < 0.6
    times = "×" if rng.random() < 0.25 else "*"
    minus = "−" if rng.random() < 0.2 else "-"

    def rec(node, top):
        if isinstance(node, int):
            return str(node)
        op, l, r = node
        ls, rs = rec(l, False), rec(r, False)
        if isinstance(l, tuple) and PREC[l[0]] < PREC[op]:
            ls = "(" + ls + ")"
        if isinstance(r, tuple) and (PREC[r[0]] <= PREC[op] or rng.random() < 0.1):
            rs = "(" + rs + ")"
        sym = {"*": times, "-": minus, "+": "+", "/": "/"}[op]
        return ls + (" %s " % sym if spaced else sym) + rs

    return rec(tree, True)


ARITH_PHRASES = [
    "What is {e}?", "What is {e}", "what is {e}?", "What's {e}?", "Compute {e}.", "Compute {e}",
    "Calculate {e}", "Calculate {e}.", "{e} = ?", "{e} =?", "{e}=?", "evaluate {e}", "Evaluate {e}.",
    "Evaluate: {e}", "Work out {e}.", "Solve {e}", "{e}", "{e}?", "How much is {e}?", "Find {e}.",
]


def arithmetic_problem(rng, n_ops=None):
    n_ops = n_ops or rng.choice([2, 2, 3, 3, 4, 4, 5, 6])
    tree = arithmetic_tree(rng, n_ops)
    question = rng.choice(ARITH_PHRASES).format(e=surface(tree, rng))
    return {"question": question, "answer": str(evaluate(tree)), "family": "arithmetic",
            "difficulty": count_ops(tree), "tree": tree}


# ---------------------------------------------------------------- family 2: word problems

def word_problem(rng):
    import word_problems
    p = word_problems.generate(rng)
    tree = parse(p["expr"])
    return {"question": p["question"], "answer": str(p["answer"]), "family": "word",
            "difficulty": count_ops(tree), "tree": tree}


# ---------------------------------------------------------------- family 3: game of 24

GAME24_CSV = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "game24", "24.csv")


def game24_ranked_puzzles(first, last, path=GAME24_CSV):
    """Ranks first..last of the Tree-of-Thoughts list (ranked by how long people took: the last are the hardest)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [tuple(int(x) for x in r["Puzzles"].split()) for r in rows if first <= int(r["Rank"]) <= last]


def game24_test_puzzles(path=GAME24_CSV):
    """Ranks 901-1000 of the Tree-of-Thoughts list: the standard test puzzles, never trained on."""
    return game24_ranked_puzzles(901, 1000, path)


def game24_paths(numbers):
    """Every way to reach 24 by repeatedly combining two numbers, integer intermediates only.
    A path is a list of (a, op, b, result, remaining) with expression strings carried along."""
    found = []

    def rec(items, steps):
        if len(items) == 1:
            if items[0][0] == 24:
                found.append((list(steps), items[0][1]))
            return
        for i, j in itertools.permutations(range(len(items)), 2):
            (a, ea), (b, eb) = items[i], items[j]
            rest = [items[k] for k in range(len(items)) if k not in (i, j)]
            for op in OPS:
                if op in "+*" and i > j:
                    continue  # commuted twin: rendered later by swapping
                if op == "-" and a < b:
                    continue
                if op == "/" and (b == 0 or a % b):
                    continue
                v = int(apply(op, a, b))
                steps.append((a, op, b, v))
                rec(rest + [(v, "(%s%s%s)" % (ea, op, eb))], steps)
                steps.pop()

    rec([(n, str(n)) for n in numbers], [])
    return found


def game24_solvable(numbers):
    """Exact check with fractions (some puzzles need them even though training paths do not)."""
    def rec(vals):
        if len(vals) == 1:
            return vals[0] == 24
        for i, j in itertools.permutations(range(len(vals)), 2):
            rest = [vals[k] for k in range(len(vals)) if k not in (i, j)]
            for op in OPS:
                if op == "/" and vals[j] == 0:
                    continue
                if rec(rest + [apply(op, vals[i], vals[j])]):
                    return True
        return False
    return rec([Fraction(n) for n in numbers])


GAME24_PHRASES = [
    "Use {n} to make 24.", "Make 24 from {n}.", "Game of 24: {n}", "Use the numbers {n} and + - * / to make 24.",
    "Reach 24 with {n}.", "24 game: {n}",
]


def strip_outer(e):
    return e[1:-1] if e.startswith("(") and e.endswith(")") else e


def game24_lines(numbers, rng, paths):
    steps, expr = rng.choice(paths)
    lines = []
    left = sorted(numbers)
    for a, op, b, v in steps:
        left.remove(a); left.remove(b); left.append(v); left.sort()
        if op in "+*" and rng.random() < 0.5:
            a, b = b, a
        lines.append("%s%s%s=%s, left %s" % (num(a), op, num(b), num(v), " ".join(num(x) for x in left)))
    lines.append(ANSWER_MARK + strip_outer(expr))
    return lines


def game24_problem(rng, numbers):
    return {"question": rng.choice(GAME24_PHRASES).format(n=" ".join(map(str, numbers))),
            "answer": None, "family": "game24", "difficulty": "test", "numbers": list(numbers)}


class Game24Pool:
    """Training puzzles: every 4-number multiset with an integer path to 24, minus the test puzzles."""

    def __init__(self):
        test = set(game24_test_puzzles())
        self.puzzles = []
        for combo in itertools.combinations_with_replacement(range(1, 14), 4):
            if combo in test:
                continue
            paths = game24_paths(combo)
            if paths:
                self.puzzles.append((combo, paths))

    def sample(self, rng):
        combo, paths = rng.choice(self.puzzles)
        numbers = list(combo)
        rng.shuffle(numbers)
        p = game24_problem(rng, numbers)
        return p, game24_lines(numbers, rng, paths)


def check_game24(numbers, expression):
    """Exact checker: the expression uses each number exactly once and equals 24."""
    try:
        tree = parse(expression)
    except (ValueError, IndexError):
        return False
    leaves = []

    def collect(n):
        if isinstance(n, int):
            leaves.append(n)
        else:
            collect(n[1]); collect(n[2])
    collect(tree)
    if sorted(leaves) != sorted(numbers):
        return False
    try:
        return evaluate(tree) == 24
    except ZeroDivisionError:
        return False


# ---------------------------------------------------------------- the training mixes

# The training mixes: the first model's, and the one that adds what a new user types first (one-step sums in
# symbols and in words, short everyday stories) and the questions it must decline.
MIX_V0 = (("arithmetic", 0.5), ("word", 0.3), ("game24", 0.2))
MIX_EVERYDAY = (("arithmetic", 0.33), ("arithmetic1", 0.07), ("word", 0.2), ("game24", 0.12), ("spoken", 0.1),
                ("story", 0.1), ("refusal", 0.08))
MIXES = {"v0": MIX_V0, "everyday": MIX_EVERYDAY}


def problem_of(family, rng):
    """A problem of one of the families that have a worked chain (not Game of 24)."""
    import everyday
    if family == "arithmetic":
        return arithmetic_problem(rng)
    if family == "arithmetic1":
        return arithmetic_problem(rng, 1)
    if family == "word":
        return word_problem(rng)
    return {"spoken": everyday.spoken, "story": everyday.story, "refusal": everyday.out_of_scope}[family](rng)


class Sampler:
    """Draws (question, chain) pairs in the training mix."""

    def __init__(self, mix=MIX_V0, fmt=FORMATS["fixed"]):
        self.mix, self.fmt = mix, fmt
        self.game24 = Game24Pool()

    def sample(self, rng):
        r, acc = rng.random(), 0.0
        for family, w in self.mix:
            acc += w
            if r < acc:
                break
        if family == "game24":
            p, lines = self.game24.sample(rng)
            return p["question"], "\n".join(lines)
        p = problem_of(family, rng)
        if family == "refusal":
            import everyday
            return p["question"], everyday.REFUSAL
        return p["question"], "\n".join(solve_lines(p["tree"], rng, self.fmt))


if __name__ == "__main__":
    rng = random.Random(0)
    s = Sampler()
    print(len(s.game24.puzzles), "training game24 puzzles")
    for _ in range(6):
        q, c = s.sample(rng)
        print(q)
        print(c)
        print("---")
