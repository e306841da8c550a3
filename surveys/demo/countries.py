from surveys.countries.operations import seed_participants


def load_demo(out) -> None:
    added = seed_participants()
    if added:
        out.say(f"Countries: {added} participating countries added.")
