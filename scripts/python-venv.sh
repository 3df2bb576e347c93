#!/usr/bin/env bash
# Creates .venv (gitignored) with the real client packages the tests drive:
# openai, anthropic, mcp, websockets, pytest. Idempotent; prints the venv's python path.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if ! .venv/bin/python -c "import openai, anthropic, mcp, websockets, pytest" 2>/dev/null; then
    .venv/bin/pip install --quiet --disable-pip-version-check openai anthropic mcp websockets pytest
fi
echo "$(pwd)/.venv/bin/python"
