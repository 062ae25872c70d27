"""What a new user types first: one-step sums in words, short everyday stories, and questions the model cannot answer.

Three generators, each returning a problem dict like tasks.arithmetic_problem's:
- spoken(rng): "What is 7 plus 5?", "subtract 4 from 10", one or two operations written in words;
- story(rng): one- and two-step everyday stories ("Tom has 5 apples and buys 3 bags of 4 apples each...");
- out_of_scope(rng): general knowledge, chit-chat and requests, answered by the one fixed line REFUSAL.

The model recalls no facts, so a question without numbers to compute with gets REFUSAL; `reason` turns that answer
into "this model cannot answer that". The hand-written questions that test this (src/test/resources) are not here.
"""
import random

import tasks
from word_problems import people

REFUSAL_ANSWER = "unanswerable"  # one word: reason reads a two-word marker line as prose, not an answer
REFUSAL = tasks.ANSWER_MARK + REFUSAL_ANSWER


# ---------------------------------------------------------------- arithmetic in words

def small_operand(rng):
    """Numbers people type in a first question: one digit more often than in the arithmetic family."""
    return tasks.random_operand(rng, 0.45, 0.9)


ONE_OP = {
    "+": ["What is {a} plus {b}?", "{a} plus {b}", "What's {a} plus {b}?", "How much is {a} plus {b}?",
          "Add {a} and {b}.", "add {a} and {b}", "What is the sum of {a} and {b}?", "What do you get if you add {a} to {b}?",
          "What is {a} and {b} together?", "{a} + {b}", "What is {a} added to {b}?"],
    "-": ["What is {a} minus {b}?", "{a} minus {b}", "What's {a} minus {b}?", "Subtract {b} from {a}.",
          "subtract {b} from {a}", "What is {b} subtracted from {a}?", "What do you get if you take {b} from {a}?",
          "How much is {a} take away {b}?", "What is the difference between {a} and {b}?"],
    "*": ["What is {a} times {b}?", "{a} times {b}", "What's {a} times {b}?", "Multiply {a} by {b}.",
          "multiply {a} by {b}", "What is {a} multiplied by {b}?", "What is the product of {a} and {b}?",
          "How much is {a} times {b}?", "What is {a} x {b}?"],
}
WORD = {"+": "plus", "-": "minus", "*": "times"}
TWO_OP = ["What is {e}?", "What's {e}?", "How much is {e}?", "Compute {e}.", "{e}", "{e}?"]


def spoken(rng):
    """One operation (three times in four) or two, written with words for the operators."""
    if rng.random() < 0.75:
        op = rng.choice("++--**")
        a, b = small_operand(rng), small_operand(rng)
        if op == "*" and min(a, b) >= 100:
            b = rng.randint(2, 12)
        template = rng.choice(ONE_OP[op])
        if "difference" in template and a < b:
            a, b = b, a
        tree = (op, a, b)
        question = template.format(a=a, b=b)
    else:
        for _ in range(100):
            tree = (rng.choice("+-*"), (rng.choice("+-*"), small_operand(rng), small_operand(rng)), small_operand(rng))
            if rng.random() < 0.5:
                tree = (tree[0], tree[2], tree[1])  # the inner operation on the right
            if tasks.well_formed(tree):
                break
        else:
            tree = ("+", ("+", 1, 2), 3)
        question = rng.choice(TWO_OP).format(e=words(tree))
    return {"question": question, "answer": str(tasks.evaluate(tree)), "family": "spoken",
            "difficulty": tasks.count_ops(tree), "tree": tree}


def words(node, parent=None, right=False):
    """An expression read aloud; parentheses only where the words alone would change its value."""
    if isinstance(node, int):
        return str(node)
    op, l, r = node
    text = "%s %s %s" % (words(l, op), WORD[op], words(r, op, True))
    if parent and (tasks.PREC[op] < tasks.PREC[parent] or (right and tasks.PREC[op] == tasks.PREC[parent])):
        return "(" + text + ")"
    return text


# ---------------------------------------------------------------- short everyday stories

THINGS = ["apples", "oranges", "pencils", "stickers", "marbles", "cookies", "books", "toy cars", "balloons", "cards",
          "eggs", "candies", "shells", "flowers", "stamps", "crayons", "bananas", "coins", "blocks", "grapes"]
CONTAINERS = ["bags", "boxes", "packs", "baskets", "jars", "crates", "bunches", "cartons"]


def story(rng):
    """One- and two-step stories in plain words; every number needed is in the question."""
    a, b = people(rng, 2)
    t = rng.choice(THINGS)
    c = rng.choice(CONTAINERS)
    x, y, z = rng.randint(2, 30), rng.randint(2, 9), rng.randint(2, 12)
    kind = rng.randrange(12)
    if kind == 0:
        q, e = f"{a.name} has {x} {t} and buys {y} {c} of {z} {t} each. How many {t} does {a.he} have now?", f"{x}+({y}*{z})"
    elif kind == 1:
        q, e = f"{a.name} has {x} {t}. {a.He} buys {y} more {c} with {z} {t} in each. How many {t} does {a.he} have in all?", f"{x}+({y}*{z})"
    elif kind == 2:
        x = x + y
        q, e = rng.choice([f"{a.name} has {x} {t} and gives {y} to {b.name}. How many {t} does {a.name} have left?",
                           f"{a.name} had {x} {t}. {a.He} gave {y} away. How many are left?"]), f"{x}-{y}"
    elif kind == 3:
        q, e = rng.choice([f"{a.name} has {x} {t}. {b.name} gives {a.him} {y} more. How many {t} does {a.name} have now?",
                           f"{a.name} had {x} {t} and got {y} more. How many {t} does {a.he} have?"]), f"{x}+{y}"
    elif kind == 4:
        q, e = rng.choice([f"There are {y} {c} with {z} {t} in each. How many {t} are there?",
                           f"{a.name} has {y} {c} of {t}. Each one holds {z}. How many {t} is that?"]), f"{y}*{z}"
    elif kind == 5:
        x = x + y
        q, e = f"{a.name} had {x} cookies and ate {y}. How many cookies are left?", f"{x}-{y}"
    elif kind == 6:
        q, e = rng.choice([f"{a.name} has {x} {t} and {b.name} has {y}. How many {t} do they have together?",
                           f"{a.name} has {x} {t}. {b.name} has {y} {t}. How many {t} do they have in total?"]), f"{x}+{y}"
    elif kind == 7:
        q, e = f"{a.name} has {x} {t}. {b.name} has {y} more than {a.name}. How many {t} does {b.name} have?", f"{x}+{y}"
    elif kind == 8:
        q, e = rng.choice([f"One {t[:-1]} costs ${z}. How much do {y} {t} cost?",
                           f"{t.capitalize()} cost ${z} each. How much does {a.name} pay for {y} of them?"]), f"{y}*{z}"
    elif kind == 9:
        n = y * z
        q, e = rng.choice([f"{a.name} shares {n} {t} equally among {y} friends. How many does each friend get?",
                           f"{n} {t} are split evenly into {y} groups. How many {t} are in each group?"]), f"{n}/{y}"
    elif kind == 10:
        x = x + y
        q, e = f"{a.name} had {x} {t}, lost {y} and then found {z}. How many {t} does {a.he} have now?", f"({x}-{y})+{z}"
    else:
        q, e = f"{a.name} buys {y} {c} of {z} {t} and {x} loose {t}. How many {t} does {a.he} buy?", f"({y}*{z})+{x}"
    tree = tasks.parse(e)
    return {"question": q, "answer": str(tasks.evaluate(tree)), "family": "story", "difficulty": tasks.count_ops(tree),
            "tree": tree}


# ---------------------------------------------------------------- questions the model cannot answer

COUNTRIES = ["Spain", "Japan", "Brazil", "Canada", "Kenya", "Norway", "Peru", "Egypt", "India", "Chile", "Italy",
             "Poland", "Vietnam", "Ghana", "Greece", "Mexico", "Sweden", "Turkey", "Nepal", "Cuba"]
TOPICS = ["the ocean", "autumn", "my cat", "friendship", "the moon", "coffee", "rain", "a lighthouse", "trains",
          "winter mornings", "a lost key", "the city at night", "dragons", "gardening"]
LANGUAGES = ["French", "German", "Spanish", "Italian", "Japanese", "Dutch", "Portuguese"]
PHRASES = ["good morning", "where is the station", "thank you very much", "I like tea", "see you tomorrow"]
PROGRAMS = ["Python", "Java", "JavaScript", "C", "Rust", "Go", "SQL", "Bash"]
CODE_TASKS = ["reverses a string", "sorts a list", "reads a file", "checks if a word is a palindrome",
              "counts the vowels in a sentence", "parses a date", "removes duplicates from a list"]
PEOPLE = ["Napoleon", "Marie Curie", "Mozart", "Cleopatra", "Einstein", "Shakespeare", "Gandhi", "Frida Kahlo",
          "Ada Lovelace", "Confucius", "Beethoven", "Nelson Mandela"]
THINGS_TO_EXPLAIN = ["photosynthesis", "gravity", "inflation", "democracy", "a black hole", "machine learning",
                     "the internet", "an atom", "a vaccine", "climate change", "blockchain", "evolution"]
CITIES = ["Paris", "Tokyo", "Lagos", "Lima", "Berlin", "Cairo", "Sydney", "Toronto", "Mumbai", "Oslo"]
ANIMALS = ["cats", "dolphins", "bees", "owls", "snakes", "penguins", "elephants", "ants", "bats", "whales"]
VERBS = ["sleep", "see in the dark", "communicate", "find food", "stay warm", "breathe", "migrate"]
FOODS = ["pancakes", "lasagna", "a lemon cake", "tomato soup", "fried rice", "guacamole", "bread"]
YEARS = ["1492", "1776", "1815", "1914", "1969", "1989", "2001", "2008"]

OUT_OF_SCOPE = [
    lambda r: f"What is the capital of {r.choice(COUNTRIES)}?",
    lambda r: f"What language do people speak in {r.choice(COUNTRIES)}?",
    lambda r: f"Which continent is {r.choice(COUNTRIES)} in?",
    lambda r: f"Who was {r.choice(PEOPLE)}?",
    lambda r: f"When was {r.choice(PEOPLE)} born?",
    lambda r: f"Tell me about {r.choice(PEOPLE)}.",
    lambda r: f"Explain {r.choice(THINGS_TO_EXPLAIN)}.",
    lambda r: f"What is {r.choice(THINGS_TO_EXPLAIN)}?",
    lambda r: f"Can you explain {r.choice(THINGS_TO_EXPLAIN)} in simple words?",
    lambda r: f"How do {r.choice(ANIMALS)} {r.choice(VERBS)}?",
    lambda r: f"Why do {r.choice(ANIMALS)} {r.choice(VERBS)}?",
    lambda r: f"Write a poem about {r.choice(TOPICS)}.",
    lambda r: f"Write a short story about {r.choice(TOPICS)}.",
    lambda r: f"Tell me a joke about {r.choice(TOPICS)}.",
    lambda r: f"Translate '{r.choice(PHRASES)}' into {r.choice(LANGUAGES)}.",
    lambda r: f"How do you say {r.choice(PHRASES)} in {r.choice(LANGUAGES)}?",
    lambda r: f"Write a {r.choice(PROGRAMS)} function that {r.choice(CODE_TASKS)}.",
    lambda r: f"How do I write a program in {r.choice(PROGRAMS)} that {r.choice(CODE_TASKS)}?",
    lambda r: f"Give me a recipe for {r.choice(FOODS)}.",
    lambda r: f"How do I make {r.choice(FOODS)}?",
    lambda r: f"What's the weather like in {r.choice(CITIES)}?",
    lambda r: f"What is the population of {r.choice(CITIES)}?",
    lambda r: f"What should I visit in {r.choice(CITIES)}?",
    lambda r: f"What happened in {r.choice(YEARS)}?",
    lambda r: f"Who was the leader of {r.choice(COUNTRIES)} in {r.choice(YEARS)}?",
    lambda r: f"Is {r.choice(FOODS)} healthy?",
    lambda r: f"Do {r.choice(ANIMALS)} dream?",
    lambda r: r.choice(["Hello", "Hi!", "hey", "Hello there.", "Good morning!", "Good evening", "Hi, how are you?",
                        "How are you?", "Thanks!", "Thank you.", "Bye", "What's up?", "Who are you?",
                        "What is your name?", "What can you do?", "Are you a robot?", "Tell me a joke.",
                        "I'm bored.", "Can you help me?", "What time is it?", "What day is it today?",
                        "What is the meaning of life?", "Do you like music?", "Sing me a song.",
                        "Recommend a good book.", "What movie should I watch tonight?", "Summarize the news.",
                        "Is it going to rain tomorrow?", "Why is the sky blue?", "How far away is the sun?",
                        "What is the speed of light?", "How many people live on Earth?", "Who invented the telephone?",
                        "What is the tallest mountain?", "How old is the universe?", "What is love?",
                        "Write an email to my boss.", "Help me plan a trip.", "What are you thinking about?",
                        "Ok", "test", "asdf", "?", "Please answer.", "Continue.", "Explain your answer."]),
]


def out_of_scope(rng):
    question = rng.choice(OUT_OF_SCOPE)(rng)
    return {"question": question, "answer": REFUSAL_ANSWER, "family": "refusal", "difficulty": "general"}


if __name__ == "__main__":
    rng = random.Random(0)
    for make in (spoken, story, out_of_scope):
        for _ in range(5):
            p = make(rng)
            lines = tasks.solve_lines(p["tree"], rng) if "tree" in p else [REFUSAL]
            print(p["question"], "|", " / ".join(lines))
