"""Build step: strip comments and docstrings from the agent sources that ship in the jar.

Usage: python3 strip_agent.py DIR   (rewrites DIR/*.py in place; Maven passes target/classes/spindle_agent)

Why: every byte of the agent crosses the network at each bootstrap and is compiled on the
target; comments and docstrings are a fifth of it. Line numbers are kept (a docstring becomes a
parenthesised empty string spanning the same lines; a comment becomes nothing), so tracebacks
from a target still point at the right lines of the files in this repository. Runs on the
build machine's Python (3.8+ for end_lineno); the output stays valid for 3.6.
"""

import ast
import io
import pathlib
import sys
import tokenize


def docstring_spans(tree):
    """(first line, last line) of each docstring, 1-based, inclusive."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                yield first.lineno, first.end_lineno, first.col_offset


def strip(source):
    lines = source.splitlines(keepends=True)
    for start, end, col in docstring_spans(ast.parse(source)):
        indent = lines[start - 1][:col]
        if start == end:
            lines[start - 1] = indent + "''\n"
            continue
        lines[start - 1] = indent + "(''\n"
        for i in range(start, end - 1):
            lines[i] = "\n"
        lines[end - 1] = indent + ")\n"
    return blank_comments("".join(lines))


def blank_comments(text):
    """Removes comment tokens in place: the text before them on the line stays byte for byte."""
    lines = text.splitlines(keepends=True)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT and not token.string.startswith("#!"):
            row, col = token.start
            line = lines[row - 1]
            ending = "\n" if line.endswith("\n") else ""
            lines[row - 1] = line[:col].rstrip() + ending
    return "".join(lines)


def main(directory):
    for path in sorted(pathlib.Path(directory).glob("*.py")):
        original = path.read_text(encoding="utf-8")
        stripped = strip(original)
        compile(stripped, str(path), "exec")  # fail the build, not the target, if this broke something
        if stripped.count("\n") != original.count("\n"):
            sys.exit("strip_agent: %s changed its line count" % path)
        path.write_text(stripped, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
