"""What is wrong with an article file, and the checks of text every part of the format shares."""

from articles.content.validators import BIDI_CONTROLS, CONTROL_CHARACTERS


class FormatError(ValueError):
    """A file that is not a valid article file; ``line`` is 1-based where one applies."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


def check_text(value: str, what: str, line: int, max_length: int | None, *, name: bool = False) -> None:
    if max_length and len(value) > max_length:
        raise FormatError(f"{what} is {len(value):,} characters long; at most {max_length:,} are allowed", line)
    if match := CONTROL_CHARACTERS.search(value):
        raise FormatError(f"{what} contains an invisible control character (U+{ord(match.group()):04X})", line)
    if name and (match := BIDI_CONTROLS.search(value)):
        raise FormatError(f"{what} contains an invisible text-direction character (U+{ord(match.group()):04X})", line)
