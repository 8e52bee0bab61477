"""Okabe–Ito colours: distinguishable with every common form of colour blindness.

Colour is never the only cue: diagrams also change line style and labels, so a projector
with washed-out colours or a monochrome printout still shows what is highlighted.
"""

from typing import Sequence

BLACK = "#000000"
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#BBBBBB"
PALE = "#F2F2F2"
WHITE = "#FFFFFF"

# Okabe and Ito's own names, for text keys: "vm1 = orange" reads on a projector that washes colours out.
NAMES = {BLACK: "black", ORANGE: "orange", SKY: "sky blue", GREEN: "bluish green", YELLOW: "yellow", BLUE: "blue",
         VERMILLION: "vermillion", PURPLE: "reddish purple", GREY: "grey", PALE: "pale grey", WHITE: "white"}

# Roles used across the app, so the same thing has the same colour on every page.
GUEST = SKY
VMM = ORANGE
HARDWARE = GREY
HOST = GREEN
ACTIVE = BLUE
TRAP = VERMILLION
OK = GREEN
WARN = VERMILLION

CATEGORY_COLOURS = {
    "innocuous": GREY,
    "privileged": SKY,
    "privileged and sensitive": BLUE,
    "critical": VERMILLION,
}

FONT = "Helvetica"

VM_COLOURS = (ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE)


def vm_colours(names: Sequence[str]) -> dict[str, str]:
    """One Okabe–Ito colour per VM, by first appearance, so a VM keeps its colour on every chart of a page."""
    unique = list(dict.fromkeys(names))
    return {name: VM_COLOURS[i % len(VM_COLOURS)] for i, name in enumerate(unique)}


def colour_key(colours: dict[str, str]) -> str:
    """'vm1 orange · vm2 sky blue': the colour of each VM in words, for the text line above a chart."""
    return " · ".join(f"{name} {NAMES.get(colour, colour)}" for name, colour in colours.items())
