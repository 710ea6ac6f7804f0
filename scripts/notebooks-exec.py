"""Execute one notebook headless with nbclient and render its cells to an HTML fragment.

Called by scripts/notebooks.ts (`npm run notebooks`); not meant to be run by hand, but it can be:

  JUPYTER_PATH=kernels-data/jupyter/share/jupyter /usr/bin/python3 scripts/notebooks-exec.py \
      notebooks/00-getting-started.ipynb --executed out.ipynb --fragment out.json

Exit codes: 0 ok, 1 a cell failed (its error text is printed to stderr), 2 set-up problem
(missing Python packages, unknown kernel, unreadable notebook).

The fragment file is JSON: {"title", "body" (HTML of the cells, nbconvert's `basic` template),
"css" (Pygments styles for the code highlighting), "cells", "seconds"}.
"""

import argparse
import asyncio
import json
import os
import re
import sys
import time

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbclient.util import ensure_async
except ImportError as err:  # pragma: no cover - depends on the machine
    print(
        "notebooks: this Python (%s) lacks the Jupyter packages (%s).\n"
        "Run `npm run notebooks:setup` (Debian: jupyter-nbconvert python3-nbclient "
        "python3-ipykernel jupyter-client python3-nbformat) or set SUPERNET_LAB_PYTHON."
        % (sys.executable, err),
        file=sys.stderr,
    )
    sys.exit(2)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


# Stack frames of tslab and node:vm that every kernel error carries; they say nothing about the cell.
KERNEL_FRAME = re.compile(r"^\s+at .*(node:vm:|/tslab/dist/|sigintHandlersWrap|node:internal/)")


def strip_ansi(text):
    return ANSI.sub("", text)


def drop_kernel_frames(text):
    return "\n".join(line for line in text.splitlines() if not KERNEL_FRAME.match(line))


def source_excerpt(source, max_lines=20):
    lines = source.splitlines()
    shown = lines[:max_lines]
    out = ["    | " + line for line in shown]
    if len(lines) > max_lines:
        out.append("    | ... (%d more lines)" % (len(lines) - max_lines))
    return "\n".join(out)


def cell_error_text(cell):
    """Everything the failing cell said: its stderr stream and its error outputs.

    tslab reports a thrown error on stderr and sends an empty ename, so nbclient's own message is
    just `<Error>:`; the stderr text is where the real message is.
    """
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") == "stderr":
            parts.append(drop_kernel_frames(strip_ansi(out.get("text", ""))).rstrip())
        elif kind == "error":
            ename = out.get("ename") or ""
            evalue = out.get("evalue") or ""
            if ename or evalue:
                parts.append("%s: %s" % (ename or "Error", evalue))
            trace = "\n".join(strip_ansi(t) for t in out.get("traceback", []) or [])
            if trace.strip() and trace.strip() not in "\n".join(parts):
                parts.append(trace.rstrip())
    return "\n".join(p for p in parts if p)


def notebook_title(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
                if m:
                    return m.group(1)
    return fallback


def render_fragment(nb):
    from nbconvert import HTMLExporter
    from pygments.formatters import HtmlFormatter

    exporter = HTMLExporter(template_name="basic")
    # The TypeScript kernel reports its language; make sure code is highlighted as TypeScript.
    nb.metadata.setdefault("language_info", {})
    nb.metadata["language_info"].setdefault("name", "typescript")
    nb.metadata["language_info"]["pygments_lexer"] = "typescript"
    body, _ = exporter.from_notebook_node(nb)
    css = HtmlFormatter(style="default").get_style_defs(".highlight")
    return body, css


def write_json_atomic(path, value):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f)
    os.replace(tmp, path)


def write_notebook_atomic(path, nb):
    tmp = "%s.tmp-%d" % (path, os.getpid())
    nbformat.write(nb, tmp)
    os.replace(tmp, path)


async def run(nb, client, label, cell_timeout):
    n_code = sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())
    done = 0
    async with client.async_setup_kernel():
        msg_id = await ensure_async(client.kc.kernel_info())
        info = await client.async_wait_for_reply(msg_id)
        if info is not None and "language_info" in info["content"]:
            nb.metadata["language_info"] = info["content"]["language_info"]
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            done += 1
            started = time.time()
            try:
                await client.async_execute_cell(cell, index, execution_count=done)
            except CellTimeoutError:
                raise CellFailure(index, done, "timed out after %s s (--cell-timeout)" % cell_timeout)
            except DeadKernelError as err:
                raise CellFailure(index, done, "the kernel died (%s)" % err)
            except CellExecutionError as err:
                text = cell_error_text(nb.cells[index]) or strip_ansi(str(err)).strip()
                raise CellFailure(index, done, text)
            print(
                "  %s: cell %d/%d done in %.1f s" % (label, done, n_code, time.time() - started),
                flush=True,
            )
    return done


class CellFailure(Exception):
    def __init__(self, index, code_number, text):
        super().__init__(text)
        self.index = index
        self.code_number = code_number
        self.text = text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("--executed", required=True, help="where to write the executed .ipynb")
    ap.add_argument("--fragment", required=True, help="where to write the HTML fragment JSON")
    ap.add_argument("--kernel", default="tslab")
    ap.add_argument("--cell-timeout", type=int, default=0, help="seconds per cell; 0 = none")
    ap.add_argument("--label", default=None)
    args = ap.parse_args()

    label = args.label or args.notebook
    try:
        nb = nbformat.read(args.notebook, as_version=4)
    except Exception as err:
        print("notebooks: cannot read %s: %s" % (args.notebook, err), file=sys.stderr)
        return 2

    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.cell_timeout if args.cell_timeout > 0 else None,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}},
    )
    started = time.time()
    try:
        cells = asyncio.run(run(nb, client, label, args.cell_timeout))
    except CellFailure as failure:
        write_notebook_atomic(args.executed, nb)
        cell = nb.cells[failure.index]
        print(
            "\n%s: code cell %d (cell index %d) failed:\n%s\n--- error ---\n%s\n"
            "(partly executed notebook: %s)"
            % (
                label,
                failure.code_number,
                failure.index,
                source_excerpt(cell.source),
                failure.text,
                args.executed,
            ),
            file=sys.stderr,
            flush=True,
        )
        return 1
    except Exception as err:  # kernel could not start, unknown kernel name, ...
        message = strip_ansi(str(err)) or type(err).__name__
        if "No such kernel" in message:
            message += " (run `npm run notebooks:setup`; JUPYTER_PATH must include the project kernelspec)"
        print("notebooks: %s: %s" % (label, message), file=sys.stderr, flush=True)
        return 2

    write_notebook_atomic(args.executed, nb)
    body, css = render_fragment(nb)
    title = notebook_title(nb, os.path.splitext(os.path.basename(args.notebook))[0])
    write_json_atomic(
        args.fragment,
        {"title": title, "body": body, "css": css, "cells": cells, "seconds": time.time() - started},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
