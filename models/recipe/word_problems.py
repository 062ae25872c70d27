"""Synthetic grade-school word problems: a question in words plus the expression that solves it.

Each template returns (question, expr). Numbers are chosen so every constraint holds by
construction (pick quotient and divisor, then multiply), so nothing loops. Every number in expr
is written as digits in the question: the model copies operands, it never recalls facts such as
"a week has 7 days". Other code turns expr into step-by-step reasoning.
"""
import random
import re
from collections import Counter, namedtuple
from fractions import Fraction

# ---------------------------------------------------------------- shared tables

NAMES = [("Emma", "f"), ("Olivia", "f"), ("Ava", "f"), ("Mia", "f"), ("Sofia", "f"), ("Lily", "f"),
         ("Grace", "f"), ("Zoe", "f"), ("Chloe", "f"), ("Nora", "f"), ("Maya", "f"), ("Ruby", "f"),
         ("Hannah", "f"), ("Leah", "f"), ("Aisha", "f"), ("Priya", "f"), ("Rosa", "f"),
         ("Liam", "m"), ("Noah", "m"), ("Ethan", "m"), ("Lucas", "m"), ("Mason", "m"), ("Leo", "m"),
         ("Jack", "m"), ("Owen", "m"), ("Omar", "m"), ("Ben", "m"), ("Sam", "m"), ("Ryan", "m"),
         ("Diego", "m"), ("Kai", "m"), ("Hugo", "m"), ("Ravi", "m"), ("Tom", "m")]
PRON = {"f": ("she", "her", "her"), "m": ("he", "his", "him")}


class Person(namedtuple("Person", "name he his him")):
    @property
    def He(self):  # sentence-initial pronoun
        return self.he.capitalize()


def people(rng, k):
    return [Person(n, *PRON[g]) for n, g in rng.sample(NAMES, k)]


# (singular, plural, min price, max price) in whole dollars
SHOP_ITEMS = [("notebook", "notebooks", 2, 9), ("pen", "pens", 1, 5), ("book", "books", 5, 20),
              ("toy car", "toy cars", 3, 12), ("T-shirt", "T-shirts", 6, 25), ("mug", "mugs", 3, 12),
              ("ball", "balls", 2, 15), ("comic", "comics", 2, 8), ("puzzle", "puzzles", 5, 20),
              ("plant", "plants", 4, 18), ("lamp", "lamps", 10, 40), ("board game", "board games", 10, 45),
              ("backpack", "backpacks", 15, 45), ("sandwich", "sandwiches", 3, 9), ("kite", "kites", 4, 16),
              ("scarf", "scarves", 5, 20), ("pair of socks", "pairs of socks", 2, 8)]
COLLECT = ["stickers", "marbles", "baseball cards", "stamps", "seashells", "beads", "coins",
           "crayons", "pebbles", "buttons", "postcards", "toy cars"]
BAKED = ["cookies", "muffins", "cupcakes", "brownies", "rolls", "tarts", "biscuits"]
# (container, containers, contents)
GOODS = [("box", "boxes", "pencils"), ("crate", "crates", "apples"), ("carton", "cartons", "juice boxes"),
         ("case", "cases", "water bottles"), ("pack", "packs", "batteries"), ("bag", "bags", "oranges"),
         ("bin", "bins", "toy blocks"), ("tray", "trays", "cups"), ("jar", "jars", "candies"),
         ("basket", "baskets", "eggs")]
PLACES = ["the beach", "the lake", "the city", "the mountains", "Grandma's house", "the zoo",
          "the museum", "the farm", "the campsite", "the stadium"]
UNITS = ["miles", "kilometers"]
MACHINE_ITEMS = ["toys", "bottles", "cans", "bolts", "shirts", "chairs", "candles", "bricks"]
WORK = [("paints", "fence boards"), ("picks", "apples"), ("folds", "paper cranes"), ("packs", "boxes"),
        ("plants", "flowers"), ("washes", "dishes"), ("sorts", "letters"), ("stacks", "chairs")]
# (animal, animals, legs): leg counts are always written in the question
ANIMALS = [("chicken", "chickens", 2), ("duck", "ducks", 2), ("goose", "geese", 2), ("cow", "cows", 4),
           ("goat", "goats", 4), ("sheep", "sheep", 4), ("pig", "pigs", 4), ("horse", "horses", 4),
           ("spider", "spiders", 8), ("beetle", "beetles", 6)]
CROPS = ["tomato plants", "carrots", "sunflowers", "cabbages", "pepper plants", "tulips", "rose bushes"]
INGREDIENTS = [("flour", "sugar"), ("milk", "water"), ("oats", "raisins"), ("rice", "beans"),
               ("flour", "butter"), ("yogurt", "berries")]
TASKS = [("wash a car", "cars"), ("grade a test", "tests"), ("wrap a gift", "gifts"),
         ("walk a dog", "dogs"), ("fold a shirt", "shirts"), ("paint a mask", "masks"),
         ("solve a puzzle", "puzzles"), ("bake a pie", "pies")]
SPORTS = ["basketball", "soccer", "hockey", "rugby", "volleyball"]
INSTRUMENTS = ["piano", "guitar", "violin", "drums", "flute"]


def pick(rng, options):
    return rng.choice(options)


def divisors(n, lo, hi):
    return [d for d in range(lo, hi + 1) if n % d == 0]


# ---------------------------------------------------------------- shopping

def shop_total(rng):
    (p,) = people(rng, 1)
    (_, pl1, lo1, hi1), (_, pl2, lo2, hi2) = rng.sample(SHOP_ITEMS, 2)
    a, b, x, y = rng.randint(2, 9), rng.randint(2, 9), rng.randint(lo1, hi1), rng.randint(lo2, hi2)
    q = pick(rng, [f"{p.name} buys {a} {pl1} for ${x} each and {b} {pl2} for ${y} each.",
                   f"At the store, {pl1} cost ${x} each and {pl2} cost ${y} each. {p.name} buys {a} {pl1} and {b} {pl2}.",
                   f"{p.name} needs {a} {pl1} and {b} {pl2}. The {pl1} are ${x} each and the {pl2} are ${y} each."])
    if rng.random() < 0.4:  # extra step: a coupon
        d = rng.randint(1, min(10, a * x + b * y - 1))
        return q + f" {p.He} uses a coupon for ${d} off. How much does {p.he} pay?", f"(({a}*{x})+({b}*{y}))-{d}"
    return q + pick(rng, [f" How much does {p.name} spend?", f" How many dollars does {p.he} pay in total?"]), f"({a}*{x})+({b}*{y})"


def shop_change(rng):
    (p,) = people(rng, 1)
    (s1, pl1, lo1, hi1), (s2, _, lo2, hi2) = rng.sample(SHOP_ITEMS, 2)
    n, x = rng.randint(2, 6), rng.randint(lo1, min(hi1, 25))
    extra = rng.random() < 0.5
    y = rng.randint(lo2, min(hi2, 25))
    total = n * x + (y if extra else 0)
    bill = rng.choice([b for b in (10, 20, 50, 100, 200) if b >= total][:2])
    buys = f"{n} {pl1} at ${x} each" + (f" and a {s2} for ${y}" if extra else "")
    q = pick(rng, [f"{p.name} buys {buys}. {p.He} pays with ${bill}. How much change does {p.he} get?",
                   f"{p.name} hands the cashier ${bill} for {buys}. How many dollars of change should {p.name} get back?",
                   f"With ${bill} in {p.his} wallet, {p.name} buys {buys}. How much money is left?"])
    return q, (f"{bill}-(({n}*{x})+{y})" if extra else f"{bill}-({n}*{x})")


def shop_discount(rng):
    (p,) = people(rng, 1)
    (_, pl, lo, hi) = rng.choice(SHOP_ITEMS)
    x = rng.randint(max(lo, 4), max(hi, 8))
    d, n = rng.randint(1, x // 2), rng.randint(2, 8)
    q = pick(rng, [f"{pl.capitalize()} usually cost ${x} each, but today they are ${d} off each. {p.name} buys {n} of them.",
                   f"A shop takes ${d} off the ${x} price of every one of its {pl}. {p.name} buys {n} {pl}.",
                   f"{p.name} buys {n} {pl} on sale. Each one normally costs ${x}, and the sale saves ${d} on each."])
    if rng.random() < 0.5:
        s = rng.randint(3, 12)
        return q + f" Shipping costs ${s}. How much does {p.name} pay in all?", f"(({x}-{d})*{n})+{s}"
    return q + pick(rng, [f" How much does {p.he} pay?", f" How many dollars does {p.name} spend?"]), f"({x}-{d})*{n}"


def shop_budget(rng):
    (p,) = people(rng, 1)
    (_, pl1, lo1, hi1), (_, pl2, lo2, hi2) = rng.sample(SHOP_ITEMS, 2)
    n, x, k, y = rng.randint(2, 5), rng.randint(lo1, hi1), rng.randint(2, 9), rng.randint(lo2, hi2)
    m = n * x + k * y
    q = pick(rng, [f"{p.name} has ${m}. {p.He} buys {n} {pl1} for ${x} each and spends all the rest on {pl2} that cost ${y} each. How many {pl2} does {p.he} buy?",
                   f"With ${m} to spend, {p.name} first buys {n} {pl1} at ${x} each. {pl2.capitalize()} cost ${y} each. If {p.he} spends every remaining dollar on {pl2}, how many does {p.he} get?"])
    return q, f"({m}-({n}*{x}))/{y}"


def shop_split(rng):
    a, b = people(rng, 2)
    k, n, x = rng.randint(2, 6), rng.randint(2, 6), rng.randint(6, 18)
    food = pick(rng, ["pizzas", "large salads", "pasta dishes", "burgers", "plates of tacos"])
    t = ((n * x) // k + rng.randint(1, 4)) * k - n * x  # tip chosen so the total splits evenly
    q = pick(rng, [f"{k} friends order {n} {food} at ${x} each and leave a ${t} tip. They split the bill equally. How much does each friend pay?"]
             + [f"{a.name}, {b.name} and their friends, {k} people in all, buy {n} {food} for ${x} each and add a ${t} tip. If they share the cost equally, how many dollars does each person pay?"] * (k >= 4))
    return q, f"(({n}*{x})+{t})/{k}"


# ---------------------------------------------------------------- travel

def travel_distance(rng):
    (p,) = people(rng, 1)
    u = rng.choice(UNITS)
    v, h, w, g = rng.randrange(30, 75, 5), rng.randint(2, 5), rng.randrange(20, 75, 5), rng.randint(2, 4)
    q = pick(rng, [f"{p.name} drives at {v} {u} per hour for {h} hours, then at {w} {u} per hour for {g} hours. How many {u} does {p.he} drive in all?",
                   f"A train travels {v} {u} each hour for {h} hours. Then it slows to {w} {u} each hour for {g} more hours. How far does the train go in total, in {u}?",
                   f"On a trip to {rng.choice(PLACES)}, {p.name}'s family drove {h} hours at {v} {u} per hour and {g} hours at {w} {u} per hour. How many {u} did they drive?"])
    return q, f"({v}*{h})+({w}*{g})"


def travel_remaining(rng):
    (p,) = people(rng, 1)
    u, place = rng.choice(UNITS), rng.choice(PLACES)
    v, h, m = rng.randrange(30, 75, 5), rng.randint(2, 5), rng.randint(10, 60)
    extra = rng.random() < 0.5
    d = v * h + (m if extra else 0) + rng.randint(5, 150)
    q = pick(rng, [f"The trip to {place} is {d} {u}. {p.name} drives for {h} hours at {v} {u} per hour",
                   f"{p.name} is riding a bus to {place}, which is {d} {u} away. The bus goes {v} {u} per hour for {h} hours"])
    if extra:
        return q + f", then another {m} {u} after lunch. How many {u} are left?", f"{d}-(({v}*{h})+{m})"
    return q + pick(rng, [f". How many {u} are left?", f". How much farther is it?"]), f"{d}-({v}*{h})"


def travel_trips(rng):
    (p,) = people(rng, 1)
    t, c = rng.randint(2, 9), rng.randint(4, 12)
    a = rng.randint(2, t * c - 2)
    b = t * c - a
    what, things = pick(rng, [("a ferry", "cars"), ("a boat", "people"), ("an elevator", "people"), ("a van", "students"), ("a truck", "crates")])
    q = pick(rng, [f"{what.capitalize()} can carry {c} {things} on each trip. There are {a} {things} waiting and {b} more arrive.",
                   f"{p.name} has to move {a} {things} in the morning and {b} {things} in the afternoon with {what} that holds {c} {things} per trip."])
    if rng.random() < 0.5:
        m = rng.randint(5, 30)
        return q + f" Each trip takes {m} minutes. How many minutes do all the trips take?", f"(({a}+{b})/{c})*{m}"
    return q + " How many full trips are needed?", f"({a}+{b})/{c}"


def travel_time(rng):
    (p,) = people(rng, 1)
    u = rng.choice(UNITS)
    v, t, s = rng.randrange(20, 65, 5), rng.randint(2, 8), rng.randint(2, 4)
    d = v * t
    if rng.random() < 0.5:
        e = v * rng.randint(1, 4)
        q = pick(rng, [f"{p.name} drives {d} {u} at {v} {u} per hour, rests for {s} hours, then drives {e} more {u} at the same {v} {u} per hour. How many hours does the whole trip take?",
                       f"A truck covers {d} {u} at {v} {u} an hour, stops {s} hours to unload, and then goes {e} {u} more at {v} {u} an hour. How many hours is that in total?"])
        return q, f"(({d}/{v})+{s})+({e}/{v})"
    q = pick(rng, [f"{p.name} drives {d} {u} to {rng.choice(PLACES)} at {v} {u} per hour and stops for {s} hours on the way. How many hours does the trip take?",
                   f"A bus travels {d} {u} at a speed of {v} {u} per hour. It also waits {s} hours at a station. How long is the trip in hours?"])
    return q, f"({d}/{v})+{s}"


def travel_laps(rng):
    (p,) = people(rng, 1)
    length = rng.randrange(100, 450, 50)
    laps = [rng.randint(2, 8) for _ in range(rng.choice([2, 3]))]
    days = ["Monday", "Tuesday", "Wednesday"][:len(laps)]
    parts = ", ".join(f"{n} laps on {d}" for n, d in zip(laps, days))
    q = pick(rng, [f"A running track is {length} meters long. {p.name} runs {parts}. How many meters does {p.he} run?",
                   f"{p.name} swims in a pool where each lap is {length} meters. {p.He} swims {parts}. How many meters is that altogether?"])
    return q, "(" + "+".join(map(str, laps)) + f")*{length}"


# ---------------------------------------------------------------- rates and work

def rate_pages(rng):
    (p,) = people(rng, 1)
    r, d, k = rng.randint(5, 30), rng.randint(2, 7), rng.randint(1, 6)
    pages = r * (d + k)  # a whole number of days remains
    q = pick(rng, [f"{p.name}'s book has {pages} pages. {p.He} reads {r} pages a day for {d} days.",
                   f"A novel is {pages} pages long. {p.name} reads {r} pages every day and has read for {d} days."])
    if rng.random() < 0.5:
        return q + f" At the same rate, how many more days will it take to finish?", f"({pages}-({r}*{d}))/{r}"
    return q + pick(rng, [" How many pages are left?", f" How many pages does {p.he} still have to read?"]), f"{pages}-({r}*{d})"


def rate_factory(rng):
    item = rng.choice(MACHINE_ITEMS)
    b, mult, h, d = rng.randint(2, 12), rng.randint(2, 10), rng.randint(2, 8), rng.randint(2, 6)
    r = b * mult  # rate is a multiple of the box size so packing divides exactly
    q = pick(rng, [f"A machine makes {r} {item} per hour. It runs {h} hours a day for {d} days.",
                   f"A factory line produces {r} {item} every hour and works {h} hours each day. Over {d} days,"])
    start = " How many" if q.endswith(".") else " how many"
    if rng.random() < 0.5:
        return q + f"{start} boxes of {b} {item} can be filled?", f"(({r}*{h})*{d})/{b}"
    return q + f"{start} {item} are made?", f"({r}*{h})*{d}"


def rate_two_workers(rng):
    a, b = people(rng, 2)
    verb, things = rng.choice(WORK)
    x, y, h = rng.randint(2, 9), rng.randint(2, 9), rng.randint(2, 8)
    unit = rng.choice(["minute", "hour"])
    q = f"{a.name} {verb} {x} {things} per {unit} and {b.name} {verb} {y} {things} per {unit}."
    if rng.random() < 0.5:
        j = (x + y) * h + rng.randint(0, 40)
        return q + f" They need {j} {things} done. After working together for {h} {unit}s, how many are still left?", f"{j}-(({x}+{y})*{h})"
    return q + pick(rng, [f" Working together, how many {things} do they do in {h} {unit}s?",
                          f" If both work for {h} {unit}s, how many {things} is that in total?"]), f"({x}+{y})*{h}"


def rate_typing(rng):
    (p,) = people(rng, 1)
    w, m, x = rng.randint(20, 60), rng.randint(2, 9), rng.randint(10, 200)
    total = x + w * m
    doc = rng.choice(["essay", "story", "report", "letter"])
    q = pick(rng, [f"{p.name} is typing a {total}-word {doc} and has already typed {x} words. {p.He} types {w} words per minute.",
                   f"A {doc} needs {total} words. {p.name} has written {x} words so far and can type {w} words a minute."])
    if rng.random() < 0.5:
        c = rng.randint(2, 10)
        return q + f" After typing, {p.he} spends {c} minutes checking it. How many more minutes until {p.he} is done?", f"(({total}-{x})/{w})+{c}"
    return q + " How many more minutes of typing are needed?", f"({total}-{x})/{w}"


# ---------------------------------------------------------------- ages

def age_future(rng):
    a, b, c = people(rng, 3)
    x, d, n = rng.randint(4, 15), rng.randint(2, 30), rng.randint(2, 10)
    q = pick(rng, [f"{a.name} is {x} years old. {b.name} is {d} years older than {a.name}.",
                   f"{b.name} is {d} years older than {a.name}, who is {x}."])
    if rng.random() < 0.5:
        e = rng.randint(2, x + d - 1)
        return q + f" {c.name} is {e} years younger than {b.name}. How old will {c.name} be in {n} years?", f"(({x}+{d})-{e})+{n}"
    return q + pick(rng, [f" How old will {b.name} be in {n} years?", f" In {n} years, how old will {b.name} be?"]), f"({x}+{d})+{n}"


def age_times(rng):
    (p,) = people(rng, 1)
    x, k = rng.randint(3, 12), rng.randint(2, 5)
    if rng.random() < 0.5:
        d = rng.randint(2, min(5, x * k - 2))
        m = rng.randint(2, min(10, x * k - d))
        return (f"{p.name} is {x}. {p.his.capitalize()} father is {k} times as old, and {p.his} mother is {d} years younger than {p.his} father. How old was {p.his} mother {m} years ago?",
                f"(({x}*{k})-{d})-{m}")
    m = rng.randint(2, min(10, x * k - 1))
    rel = rng.choice(["father", "mother", "aunt", "uncle", "grandfather" if k >= 4 else "cousin"])
    q = pick(rng, [f"{p.name} is {x} years old. {p.his.capitalize()} {rel} is {k} times as old. How old was {p.his} {rel} {m} years ago?",
                   f"{p.name}'s {rel} is {k} times as old as {p.name}, who is {x}. How old was the {rel} {m} years ago?"])
    return q, f"({x}*{k})-{m}"


def age_sum(rng):
    a, b, c = people(rng, 3)
    x, d, e = rng.randint(5, 40), rng.randint(2, 20), rng.randint(2, 4)
    q = pick(rng, [f"{a.name} is {x} years old and {b.name} is {d} years older.",
                   f"{b.name} is {d} years older than {a.name}. {a.name} is {x}."])
    if rng.random() < 0.5:
        return q + f" {c.name} is {e} years younger than {a.name}. What is the sum of their 3 ages?", f"({x}+({x}+{d}))+({x}-{e})"
    return q + pick(rng, [" What is the sum of their ages?", " How old are they together?"]), f"{x}+({x}+{d})"


def age_ago(rng):
    a, b = people(rng, 2)
    x, n, s = rng.randint(20, 50), rng.randint(2, 9), rng.randint(2, 8)
    q = pick(rng, [f"In {n} years, {a.name} will be {x} years old. {b.name} is {s} years younger than {a.name}.",
                   f"{a.name} will turn {x} in {n} years, and {a.his} friend {b.name} is {s} years younger."])
    if rng.random() < 0.5:
        m = rng.randint(2, min(9, x - n - s))
        return q + f" How old was {b.name} {m} years ago?", f"(({x}-{n})-{s})-{m}"
    return q + f" How old is {b.name} now?", f"({x}-{n})-{s}"


# ---------------------------------------------------------------- sharing

def share_equal(rng):
    (p,) = people(rng, 1)
    cont, conts, thing = rng.choice(GOODS)
    a, b = rng.randint(2, 9), rng.randint(4, 30)
    k = rng.choice(divisors(a * b, 2, 12))  # a itself is always a divisor, so never empty
    q = pick(rng, [f"{p.name} has {a} {conts} with {b} {thing} in each. {p.He} shares them equally among {k} friends.",
                   f"There are {a} {conts} of {thing}, and each holds {b}. They are split evenly between {k} children."])
    share = a * b // k
    if share >= 2 and rng.random() < 0.5:
        e = rng.randint(1, share - 1)
        return q + f" Each one then gives away {e}. How many does each one have left?", f"(({a}*{b})/{k})-{e}"
    return q + " How many does each one get?", f"({a}*{b})/{k}"


def share_pizza(rng):
    (p,) = people(rng, 1)
    k, s = rng.randint(2, 6), rng.choice([6, 8, 10, 12])
    food = rng.choice(["pizzas", "pies", "cakes", "quiches"])
    if rng.random() < 0.5:
        n = rng.choice(divisors(k * s, 2, 12))
        q = pick(rng, [f"{p.name} orders {k} {food}, each cut into {s} slices, and shares them equally among {n} people. How many slices does each person get?",
                       f"At a party there are {k} {food} with {s} slices each. If {n} guests share all the slices equally, how many slices does each guest get?"])
        return q, f"({k}*{s})/{n}"
    n = rng.randint(2, 6)
    e = rng.randint(2, k * s // n)
    q = pick(rng, [f"{p.name} buys {k} {food} cut into {s} slices each. {n} people each eat {e} slices. How many slices are left?",
                   f"There are {k} {food} with {s} slices in each. If {n} kids eat {e} slices apiece, how many slices remain?"])
    return q, f"({k}*{s})-({n}*{e})"


def share_money(rng):
    a, b = people(rng, 2)
    k, per = rng.randint(2, 6), rng.randint(5, 40)
    extra = rng.random() < 0.5
    c = rng.randint(2, 30) if extra else 0
    total = k * per + c
    x = rng.randint(1, total - 1)
    y = total - x
    q = pick(rng, [f"{a.name} earns ${x} and {b.name} earns ${y} selling lemonade.",
                   f"At a bake sale, {a.name} collects ${x} and {b.name} collects ${y}."])
    if extra:
        return q + f" They spend ${c} on supplies and split the rest equally among {k} helpers. How much does each helper get?", f"(({x}+{y})-{c})/{k}"
    return q + f" They share all the money equally among {k} people. How many dollars does each person get?", f"({x}+{y})/{k}"


# ---------------------------------------------------------------- cooking

def cook_scale(rng):
    (p,) = people(rng, 1)
    i1, i2 = rng.choice(INGREDIENTS)
    a, b, n = rng.randint(2, 5), rng.randint(2, 4), rng.randint(2, 8)
    q = pick(rng, [f"A recipe uses {a} cups of {i1} and {b} cups of {i2} for each batch. {p.name} makes {n} batches.",
                   f"{p.name} is making {n} batches of bread. Each batch needs {a} cups of {i1} and {b} cups of {i2}."])
    if rng.random() < 0.5:
        c = rng.randint(2, (a + b) * n - 1)
        return q + f" {p.He} already has {c} cups measured out. How many more cups does {p.he} need?", f"(({a}+{b})*{n})-{c}"
    return q + " How many cups of ingredients are used in all?", f"({a}+{b})*{n}"


def cook_servings(rng):
    (p,) = people(rng, 1)
    s, m, e = rng.randint(2, 6), rng.randint(2, 6), rng.randint(2, 5)
    big = s * m
    ing = rng.choice(["eggs", "bananas", "apples", "lemons", "potatoes"])
    q = pick(rng, [f"A recipe for {s} servings uses {e} {ing}. {p.name} wants to make {big} servings.",
                   f"{p.name} is cooking for {big} people. The recipe feeds {s} people and needs {e} {ing}."])
    if rng.random() < 0.5:
        h = rng.randint(2, m * e - 1)
        return q + f" {p.He} has {h} {ing}. How many more {ing} does {p.he} need?", f"(({big}/{s})*{e})-{h}"
    return q + f" How many {ing} does {p.he} need?", f"({big}/{s})*{e}"


def cook_baking(rng):
    (p,) = people(rng, 1)
    food = rng.choice(BAKED)
    b, t, c = rng.randint(2, 6), rng.randint(2, 6), rng.randint(6, 24)
    bags = rng.randint(1, (t * c - 2) // b)
    e = t * c - bags * b  # eaten amount chosen so the rest fills whole bags
    q = pick(rng, [f"{p.name} bakes {t} trays of {c} {food}. {p.He} eats {e} of them and packs the rest into bags of {b}. How many bags does {p.he} fill?",
                   f"A baker makes {t} trays with {c} {food} on each tray. {e} {food} are sold at the door, and the others go into boxes of {b}. How many boxes are filled?"])
    return q, f"(({t}*{c})-{e})/{b}"


# ---------------------------------------------------------------- savings

def save_weeks(rng):
    (p,) = people(rng, 1)
    a, s, w = rng.randint(5, 60), rng.randint(3, 25), rng.randint(2, 12)
    q = pick(rng, [f"{p.name} has ${a} and saves ${s} every week for {w} weeks.",
                   f"{p.name} starts with ${a} in a piggy bank. Each week for {w} weeks {p.he} adds ${s}."])
    if rng.random() < 0.5:
        x = rng.randint(1, a + s * w - 1)
        return q + f" Then {p.he} spends ${x} on a gift. How much money is left?", f"({a}+({s}*{w}))-{x}"
    return q + pick(rng, [f" How much money does {p.he} have now?", " How many dollars are saved in total?"]), f"{a}+({s}*{w})"


def save_goal(rng):
    (p,) = people(rng, 1)
    (s1, _, _, _) = rng.choice(SHOP_ITEMS)
    a, s, w = rng.randint(5, 80), rng.randint(3, 20), rng.randint(2, 12)
    if rng.random() < 0.5:
        g = rng.randint(5, 40)
        cost = a + g + s * w
        return (f"{p.name} wants a {s1} that costs ${cost}. {p.He} has ${a}, gets ${g} as a birthday gift, and saves ${s} a week for the rest. How many weeks will it take?",
                f"(({cost}-{a})-{g})/{s}")
    cost = a + s * w
    q = pick(rng, [f"{p.name} wants to buy a {s1} for ${cost}. {p.He} has ${a} and saves ${s} each week. How many weeks until {p.he} can buy it?",
                   f"A {s1} costs ${cost}. {p.name} already saved ${a}. If {p.he} puts away ${s} per week, how many weeks does {p.he} need?"])
    return q, f"({cost}-{a})/{s}"


def save_allowance(rng):
    (p,) = people(rng, 1)
    a, b, w = rng.randint(3, 15), rng.randint(2, 10), rng.randint(2, 10)
    chore = rng.choice(["walking the dog", "washing dishes", "mowing the lawn", "raking leaves"])
    q = pick(rng, [f"{p.name} gets ${a} a week in allowance and earns ${b} a week for {chore}.",
                   f"Every week {p.name} receives ${a} of pocket money plus ${b} for {chore}."])
    if rng.random() < 0.5:
        x = rng.randint(1, (a + b) * w - 1)
        return q + f" After {w} weeks {p.he} spends ${x}. How much does {p.he} have left?", f"(({a}+{b})*{w})-{x}"
    return q + f" How much money does {p.he} get in {w} weeks?", f"({a}+{b})*{w}"


# ---------------------------------------------------------------- farm and garden

def farm_legs(rng):
    (p,) = people(rng, 1)
    (s1, pl1, l1), (s2, pl2, l2) = rng.sample(ANIMALS, 2)
    c, k = rng.randint(2, 20), rng.randint(2, 20)
    q = pick(rng, [f"{p.name}'s farm has {c} {pl1} and {k} {pl2}. Each {s1} has {l1} legs and each {s2} has {l2} legs. How many legs are there in all?",
                   f"There are {c} {pl1} with {l1} legs each and {k} {pl2} with {l2} legs each. How many legs are there altogether?"])
    return q, f"({c}*{l1})+({k}*{l2})"


def farm_rows(rng):
    (p,) = people(rng, 1)
    crop = rng.choice(CROPS)
    r, c = rng.randint(3, 12), rng.randint(4, 15)
    q = pick(rng, [f"{p.name} plants {r} rows of {crop} with {c} in each row.",
                   f"A garden has {r} rows of {crop}, and each row holds {c}."])
    if rng.random() < 0.5:
        n = rng.randint(2, 5)
        t = rng.randint(2, (r + n) * c - 1)
        return q + f" Later {n} more rows of {c} are added, and then {t} are eaten by rabbits. How many are left?", f"(({r}+{n})*{c})-{t}"
    t = rng.randint(2, r * c - 1)
    return q + pick(rng, [f" Rabbits eat {t} of them. How many are left?", f" If {t} of them do not grow, how many do grow?"]), f"({r}*{c})-{t}"


def farm_eggs(rng):
    (p,) = people(rng, 1)
    h, e, d = rng.randint(3, 12), rng.randint(3, 7), rng.randint(2, 6)
    q = pick(rng, [f"{p.name} has {h} hens. Each hen lays {e} eggs a week.",
                   f"On a farm, {h} hens each lay {e} eggs every week."])
    if rng.random() < 0.5:
        k = rng.choice(divisors(h * e * d, 4, 12) or [h])
        return q + f" The eggs from {d} weeks are packed in cartons of {k}. How many cartons are filled?", f"(({h}*{e})*{d})/{k}"
    return q + f" How many eggs do they lay in {d} weeks?", f"({h}*{e})*{d}"


def farm_feed(rng):
    (p,) = people(rng, 1)
    (_, pl, _) = rng.choice([a for a in ANIMALS if a[2] == 4])
    f, h, d = rng.randint(2, 15), rng.randint(2, 8), rng.randint(2, 7)  # keeps the stock below 1000
    q = pick(rng, [f"Each of {p.name}'s {h} {pl} eats {f} pounds of feed a day.",
                   f"{p.name} feeds {h} {pl}, and each one eats {f} pounds of food per day."])
    if rng.random() < 0.5:
        x = f * h * d + rng.randint(0, 100)
        return q + f" {p.He} has {x} pounds of feed. How many pounds are left after {d} days?", f"{x}-(({f}*{h})*{d})"
    return q + f" How many pounds do they eat in {d} days?", f"({f}*{h})*{d}"


# ---------------------------------------------------------------- school

def school_buses(rng):
    c, s, b = rng.randint(2, 6), rng.randint(15, 30), rng.choice([20, 25, 30, 40, 45, 50])
    t = (c * s // b + 1) * b - c * s  # adults fill the last bus exactly
    t += b if t < 2 else 0  # at least 2 adults (one more bus)
    q = pick(rng, [f"A school trip has {c} classes of {s} students and {t} adults. Each bus holds {b} people. How many buses are needed if every bus is full?",
                   f"{c} classes with {s} students each go to {rng.choice(PLACES)} with {t} teachers and parents. Buses seat {b} people and all seats are filled. How many buses go?"])
    return q, f"(({c}*{s})+{t})/{b}"


def school_teams(rng):
    k, t = rng.randint(3, 8), rng.randint(2, 10)
    a = rng.randint(2, k * t - 2)
    g = k * t - a
    sport = rng.choice(SPORTS)
    q = pick(rng, [f"In gym class there are {a} boys and {g} girls. They make {sport} teams of {k}.",
                   f"{a} boys and {g} girls sign up for {sport}. The coach puts {k} players on each team."])
    if rng.random() < 0.5:
        m = rng.randint(2, 6)
        return q + f" Each team gets {m} balls. How many balls are needed?", f"(({a}+{g})/{k})*{m}"
    return q + " How many teams are there?", f"({a}+{g})/{k}"


def school_supplies(rng):
    (p,) = people(rng, 1)
    pk, n = rng.randint(2, 10), rng.choice([6, 8, 10, 12, 24])
    thing = rng.choice(["pencils", "markers", "erasers", "glue sticks", "notebooks"])
    s = rng.randint(2, min(30, pk * n // 2))
    e = rng.randint(2, pk * n // s)
    q = pick(rng, [f"{p.name}, a teacher, buys {pk} packs of {n} {thing} and gives each of {p.his} {s} students {e} {thing}. How many {thing} are left?",
                   f"A teacher has {pk} boxes with {n} {thing} in each box. {s} students each take {e}. How many {thing} remain?"])
    return q, f"({pk}*{n})-({s}*{e})"


def school_test(rng):
    (p,) = people(rng, 1)
    n, w = rng.randint(10, 40), rng.randint(2, 5)
    c = rng.randint(n // 2, n)
    if rng.random() < 0.5:
        b = rng.randint(2, 10)
        q = pick(rng, [f"A test has {n} questions worth {w} points each. {p.name} gets {c} right and earns {b} bonus points. What is {p.his} score?",
                       f"{p.name} answers {c} of the {n} questions correctly. Each correct answer is worth {w} points, plus {p.he} gets a {b}-point bonus. How many points does {p.he} score?"])
        return q, f"({c}*{w})+{b}"
    q = pick(rng, [f"A quiz has {n} questions worth {w} points each. {p.name} gets {c} of them right. How many points does {p.he} miss?",
                   f"Each of the {n} questions on a test is worth {w} points. If {p.name} answers {c} correctly, how many points did {p.he} lose?"])
    return q, f"({n}-{c})*{w}"


# ---------------------------------------------------------------- sports

def sports_basketball(rng):
    (p,) = people(rng, 1)
    m, t = rng.randint(2, 12), rng.randint(2, 8)
    q = f"In a basketball game, {p.name} makes {m} shots worth 2 points each and {t} shots worth 3 points each"
    if rng.random() < 0.5:
        f = rng.randint(2, 10)
        return q + f", plus {f} free throws worth 1 point each. How many points does {p.he} score?", f"(({m}*2)+({t}*3))+{f}"
    return q + pick(rng, [f". How many points does {p.he} score?", ". What is the total score for that player?"]), f"({m}*2)+({t}*3)"


def sports_season(rng):
    a, b = people(rng, 2)
    sport = rng.choice(SPORTS)
    x, g = rng.randint(5, 30), rng.randint(2, 12)
    if rng.random() < 0.5:
        y = rng.randint(2, x - 1)
        q = pick(rng, [f"In {sport}, {a.name} scores {x} points per game and {b.name} scores {y} points per game. After {g} games, how many more points does {a.name} have?",
                       f"{a.name} averages {x} points a game and {b.name} averages {y}. Over {g} games, how many more points does {a.name} score than {b.name}?"])
        return q, f"({x}*{g})-({y}*{g})"
    f = rng.randint(5, 40)
    q = pick(rng, [f"A {sport} team scores {x} points in each of its first {g} games and {f} points in the final game. How many points does it score in total?",
                   f"{a.name} scored {x} points in every one of {g} {sport} games, then {f} points in the last game. How many points is that altogether?"])
    return q, f"({x}*{g})+{f}"


def sports_league(rng):
    w, d = rng.randint(2, 15), rng.randint(2, 8)
    team = rng.choice(["Tigers", "Eagles", "Sharks", "Wolves", "Falcons", "Comets"])
    q = f"In a league, a win is worth 3 points and a draw is worth 1 point. The {team} have {w} wins and {d} draws"
    if rng.random() < 0.5:
        x = rng.randint(2, w * 3 + d)
        return q + f". The Lions have {x} points. How many more points do the {team} have?", f"(({w}*3)+{d})-{x}"
    return q + pick(rng, [". How many points do they have?", ". What is their point total?"]), f"({w}*3)+{d}"


# ---------------------------------------------------------------- inventory

def inv_boxes(rng):
    _, conts, thing = rng.choice(GOODS)
    b, n = rng.randint(2, 15), rng.randint(6, 30)
    shop = rng.choice(["A store", "A warehouse", "The school shop", "A market stall"])
    q = pick(rng, [f"{shop} has {b} {conts} of {thing} with {n} in each.",
                   f"{shop} gets {b} {conts}, each holding {n} {thing}."])
    if rng.random() < 0.5:
        r = rng.randint(2, 6)
        s = rng.randint(2, (b + r) * n - 1)
        return q + f" It receives {r} more {conts} and then sells {s} {thing}. How many {thing} are left?", f"(({b}+{r})*{n})-{s}"
    s = rng.randint(2, b * n - 1)
    return q + pick(rng, [f" It sells {s} {thing}. How many are left?", f" If {s} {thing} are sold, how many remain?"]), f"({b}*{n})-{s}"


def inv_repack(rng):
    _, conts, thing = rng.choice(GOODS)
    x, y, pk = rng.randint(2, 12), rng.randint(6, 24), rng.randint(2, 10)
    if rng.random() < 0.5:
        packs = rng.randint(1, (x * y - 1) // pk)
        k = x * y - packs * pk  # damaged amount chosen so the rest packs exactly
        return (f"A shop has {x} {conts} of {y} {thing}. {k} of the {thing} get damaged and thrown away. The rest are put into packs of {pk}. How many packs are made?",
                f"(({x}*{y})-{k})/{pk}")
    pk = rng.choice(divisors(x * y, 2, 12))
    q = pick(rng, [f"There are {x} {conts} with {y} {thing} in each. They are repacked into bundles of {pk}. How many bundles are there?",
                   f"A worker unpacks {x} {conts} of {y} {thing} and puts them in groups of {pk}. How many groups does the worker make?"])
    return q, f"({x}*{y})/{pk}"


def inv_restock(rng):
    thing = rng.choice([g[2] for g in GOODS] + MACHINE_ITEMS)
    a = rng.randint(40, 300)
    s, t = rng.randint(1, a // 2), rng.randint(1, a // 2)
    d = rng.randint(10, 100)
    q = f"A store starts the week with {a} {thing}. It sells {s} on Monday and {t} on Tuesday, then a delivery brings {d} more."
    if rng.random() < 0.5:
        u = rng.randint(1, a - s - t + d)
        return q + f" On Wednesday it sells {u}. How many {thing} are there now?", f"((({a}-{s})-{t})+{d})-{u}"
    return q + pick(rng, [f" How many {thing} does the store have now?", " How many are in stock?"]), f"(({a}-{s})-{t})+{d}"


# ---------------------------------------------------------------- time

def time_tasks(rng):
    (p,) = people(rng, 1)
    (t1, pl1), (t2, pl2) = rng.sample(TASKS, 2)
    m, n, b = rng.randint(2, 15), rng.randint(2, 10), rng.randint(5, 20)
    q = f"It takes {p.name} {m} minutes to {t1}. {p.He} does {n} {pl1}"
    if rng.random() < 0.5:
        j, k = rng.randint(2, 15), rng.randint(2, 8)
        return (q + f". It takes {p.him} {j} minutes to {t2}, and {p.he} does {k} {pl2}. {p.He} also takes a {b}-minute break. How many minutes does all this take?",
                f"(({m}*{n})+({j}*{k}))+{b}")
    return q + pick(rng, [f" and takes a {b}-minute break. How many minutes is that in total?",
                          f", with a {b}-minute break in the middle. How long does it take, in minutes?"]), f"({m}*{n})+{b}"


def time_left(rng):
    (p,) = people(rng, 1)
    a, b = rng.randint(5, 20), rng.randint(3, 15)
    extra = rng.random() < 0.5
    c, pm = rng.randint(2, 6), rng.randint(2, 5)
    used = a + b + (c * pm if extra else 0)
    total = used + rng.randint(0, 30)
    q = f"{p.name} has {total} minutes before the bus comes. {p.He} spends {a} minutes eating breakfast and {b} minutes getting dressed"
    if extra:
        return q + f", and reads {c} pages at {pm} minutes per page. How many minutes are left?", f"(({total}-{a})-{b})-({c}*{pm})"
    return q + pick(rng, [". How many minutes are left?", f". How much time does {p.he} have left, in minutes?"]), f"({total}-{a})-{b}"


def time_practice(rng):
    (p,) = people(rng, 1)
    inst = rng.choice(INSTRUMENTS)
    m, d, w = rng.choice([10, 15, 20, 30, 45, 60]), rng.randint(2, 6), rng.randint(2, 8)
    q = f"{p.name} practices {inst} for {m} minutes a day, {d} days a week, for {w} weeks."
    if (m * d * w) % 60 == 0 and rng.random() < 0.6:
        return q + f" There are 60 minutes in an hour. How many hours does {p.he} practice?", f"(({m}*{d})*{w})/60"
    return q + pick(rng, [" How many minutes is that in total?", f" How many minutes does {p.he} practice altogether?"]), f"({m}*{d})*{w}"


# ---------------------------------------------------------------- comparisons

def cmp_times(rng):
    a, b, c = people(rng, 3)
    thing = rng.choice(COLLECT)
    x, k = rng.randint(3, 40), rng.randint(2, 6)
    q = pick(rng, [f"{a.name} has {x} {thing}. {b.name} has {k} times as many.",
                   f"{b.name} collected {k} times as many {thing} as {a.name}, who collected {x}."])
    if rng.random() < 0.5:
        e = rng.randint(1, x * k - x - 1)
        return q + f" {c.name} has {e} fewer than {b.name}. How many more {thing} does {c.name} have than {a.name}?", f"(({x}*{k})-{e})-{x}"
    return q + f" How many more {thing} does {b.name} have than {a.name}?", f"({x}*{k})-{x}"


def cmp_chain(rng):
    a, b, c = people(rng, 3)
    thing = rng.choice(["books", "puzzles", "drawings", "pictures"] + COLLECT)
    x, y, z = rng.randint(10, 60), rng.randint(2, 9), rng.randint(2, 20)
    q = pick(rng, [f"{a.name} has {x} {thing}. {b.name} has {y} fewer than {a.name}, and {c.name} has {z} more than {b.name}.",
                   f"{b.name} owns {y} fewer {thing} than {a.name}, who owns {x}. {c.name} owns {z} more than {b.name}."])
    if rng.random() < 0.5:
        return q + f" How many do {a.name} and {c.name} have together?", f"{x}+(({x}-{y})+{z})"
    return q + f" How many {thing} does {c.name} have?", f"({x}-{y})+{z}"


def cmp_goal(rng):
    a, b, c = people(rng, 3)
    thing = rng.choice(["cans", "bottles", "books", "coats", "toys"])
    x, y = rng.randint(5, 60), rng.randint(5, 60)
    if rng.random() < 0.5:
        z = rng.randint(5, 60)
        t = x + y + z + rng.randint(0, 80)
        return (f"A club wants to collect {t} {thing}. {a.name} brings {x}, {b.name} brings {y} and {c.name} brings {z}. How many more {thing} do they need?",
                f"{t}-(({x}+{y})+{z})")
    t = x + y + rng.randint(0, 80)
    q = pick(rng, [f"{a.name} and {b.name} want to collect {t} {thing} for charity. {a.name} has {x} and {b.name} has {y}. How many more do they need?",
                   f"The goal is {t} {thing}. So far {a.name} has collected {x} {thing} and {b.name} has collected {y}. How many {thing} are still needed?"])
    return q, f"{t}-({x}+{y})"


def cmp_groups(rng):
    thing = rng.choice(["cans", "bottles", "leaves", "shells", "bottle caps"])
    n, k, m, j = rng.randint(2, 12), rng.randint(5, 25), rng.randint(2, 12), rng.randint(5, 25)
    if n * k < m * j:
        n, k, m, j = m, j, n, k  # keep the answer non-negative
    g1, g2 = rng.sample(["Class A", "Class B", "the red team", "the blue team", "the first graders", "the second graders"], 2)
    q = pick(rng, [f"{g1[0].upper() + g1[1:]} collected {n} bags with {k} {thing} each. {g2[0].upper() + g2[1:]} collected {m} bags with {j} {thing} each. How many more {thing} did {g1} collect?",
                   f"{g2[0].upper() + g2[1:]} filled {m} bags of {j} {thing}, while {g1} filled {n} bags of {k} {thing}. How many more {thing} did {g1} gather than {g2}?"])
    return q, f"({n}*{k})-({m}*{j})"


TEMPLATES = [shop_total, shop_change, shop_discount, shop_budget, shop_split,
             travel_distance, travel_remaining, travel_trips, travel_time, travel_laps,
             rate_pages, rate_factory, rate_two_workers, rate_typing,
             age_future, age_times, age_sum, age_ago,
             share_equal, share_pizza, share_money,
             cook_scale, cook_servings, cook_baking,
             save_weeks, save_goal, save_allowance,
             farm_legs, farm_rows, farm_eggs, farm_feed,
             school_buses, school_teams, school_supplies, school_test,
             sports_basketball, sports_season, sports_league,
             inv_boxes, inv_repack, inv_restock,
             time_tasks, time_left, time_practice,
             cmp_times, cmp_chain, cmp_goal, cmp_groups]


# ---------------------------------------------------------------- checking

def evaluate(expr):
    """Recursive-descent evaluation; raises unless every intermediate value is a non-negative integer."""
    toks = re.findall(r"\d+|[-+*/()]", expr)
    if "".join(toks) != expr:
        raise ValueError(f"bad characters in {expr!r}")
    pos = 0

    def ok(v):
        if v.denominator != 1 or v < 0:
            raise ValueError(f"intermediate {v} in {expr!r}")
        return v

    def peek():
        return toks[pos] if pos < len(toks) else ""

    def sum_():
        nonlocal pos
        v = prod()
        while peek() in ("+", "-") and peek():
            op = toks[pos]; pos += 1
            r = prod()
            v = ok(v + r if op == "+" else v - r)
        return v

    def prod():
        nonlocal pos
        v = atom()
        while peek() in ("*", "/") and peek():
            op = toks[pos]; pos += 1
            r = atom()
            if op == "/" and r == 0:
                raise ValueError(f"division by zero in {expr!r}")
            v = ok(v * r if op == "*" else v / r)
        return v

    def atom():
        nonlocal pos
        t = peek(); pos += 1
        if t == "(":
            v = sum_()
            if peek() != ")":
                raise ValueError(f"missing ) in {expr!r}")
            pos += 1
            return v
        if not t.isdigit():
            raise ValueError(f"unexpected {t!r} in {expr!r}")
        return Fraction(int(t))

    v = sum_()
    if pos != len(toks):
        raise ValueError(f"trailing tokens in {expr!r}")
    return int(v)


def generate(rng):
    """Pick a template uniformly at random and return one problem as a dict."""
    f = rng.choice(TEMPLATES)
    question, expr = f(rng)
    return {"question": question, "expr": expr, "template": f.__name__,
            "answer": evaluate(expr), "ops": sum(expr.count(o) for o in "+-*/")}


NUMBER_WORDS = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                          r"dozen|half|twice|double|triple|pair)\b", re.I)


if __name__ == "__main__":
    rng = random.Random(0)
    hits, ops_count, operands = Counter(), Counter(), Counter()
    samples = {}
    assert len(TEMPLATES) >= 32 and len({f.__name__ for f in TEMPLATES}) == len(TEMPLATES)
    assert len(NAMES) >= 25 and {g for _, g in NAMES} == {"f", "m"}
    for _ in range(5000):
        pr = generate(rng)
        q, e = pr["question"], pr["expr"]
        assert re.fullmatch(r"[0-9+\-*/()]+", e), e
        assert 2 <= pr["ops"] <= 4, pr
        assert 0 <= pr["answer"] <= 9999, pr
        assert q.endswith("?") and "  " not in q, pr
        # "pairs of socks" and "each one" are not hidden numbers
        assert not NUMBER_WORDS.search(re.sub(r"(?i)pairs? of socks|(each|every) one", "", q)), pr
        in_q = set(re.findall(r"\d+", q))
        for num in re.findall(r"\d+", e):
            assert num in in_q, (num, pr)
            operands["<=99" if int(num) <= 99 else "<=999" if int(num) <= 999 else "big"] += 1
        hits[pr["template"]] += 1
        ops_count[pr["ops"]] += 1
        samples.setdefault(pr["template"], []).append(pr)
    missing = [f.__name__ for f in TEMPLATES if f.__name__ not in hits]
    assert not missing, missing
    assert operands["big"] == 0, operands
    print(f"all checks passed: {len(TEMPLATES)} templates, ops {dict(sorted(ops_count.items()))}, operands {dict(operands)}")
    for f in TEMPLATES:
        print(f"\n== {f.__name__} ({hits[f.__name__]} hits)")
        for pr in samples[f.__name__][:3]:
            print(f"  Q: {pr['question']}\n     {pr['expr']} = {pr['answer']}  [{pr['ops']} ops]")
