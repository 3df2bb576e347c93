"""Reads image/Containerfile for tests/provision/run.sh, which has no container engine:
prints one part of the final (runtime) stage so the test can replay it in a chroot.

  containerfile.py FILE run          the runtime stage's RUN commands, one shell line each
  containerfile.py FILE healthcheck  the HEALTHCHECK command (shell form)
  containerfile.py FILE entrypoint   ENTRYPOINT and CMD (exec form), one argument per line
  containerfile.py FILE user         the USER of the runtime stage
"""
import json
import sys


def instructions(text):
    """(keyword, arguments) per instruction: continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") or not stripped:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        yield keyword.upper(), arguments.strip()


def runtime_stage(path):
    stages = []
    for keyword, arguments in instructions(open(path, encoding="utf-8").read()):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, arguments))
    if not stages:
        sys.exit(f"{path}: no FROM")
    return stages[-1]


def main():
    path, part = sys.argv[1], sys.argv[2]
    stage = runtime_stage(path)
    if part == "run":
        for keyword, arguments in stage:
            if keyword == "RUN":
                print(arguments)
    elif part == "healthcheck":
        [arguments] = [a for k, a in stage if k == "HEALTHCHECK"]
        print(arguments.split(" CMD ", 1)[1].strip())
    elif part == "entrypoint":
        entry = [json.loads(a) for k, a in stage if k == "ENTRYPOINT"][-1]
        command = [json.loads(a) for k, a in stage if k == "CMD"][-1]
        print("\n".join(entry + command))
    elif part == "user":
        print([a for k, a in stage if k == "USER"][-1])
    else:
        sys.exit(f"unknown part {part}")


main()
