"""Placeholder, replaced below."""
NAME = "ablate"
HELP = "ablation rows of the paper (Tables 1 and 6)"


def add_arguments(p):
    pass


def run(args):
    return 0
