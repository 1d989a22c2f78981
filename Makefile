# The Makefile is the developer's interface; CI runs the same commands.
UV ?= uv
export UV_PYTHON_DOWNLOADS := never

.PHONY: install format lint typecheck test test-plugins bench bench-quick run demo all

install:            ## create .venv with every dependency from uv.lock
	$(UV) sync --locked

format:             ## rewrite imports and formatting
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

lint:               ## ruff, the formatting and the import layers (.importlinter), no changes
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports

typecheck:          ## mypy --strict on the core, the plugins and the readers
	$(UV) run mypy collector readlayer sources aggregations dashboard replay_upstream api/chalicelib

test:               ## the whole suite (the README's test command)
	$(UV) run pytest

test-plugins:       ## golden cases and contract checks of every discovered plugin
	$(UV) run paris-collector test-plugins

bench:              ## benchmarks; writes docs/benchmarks.md
	$(UV) run --group bench python -m bench

bench-quick:        ## one quick round of every benchmark, no docs written
	$(UV) run python -m bench --quick

run:                ## the daemon on the embedded default (files + SQLite under ./data)
	$(UV) run paris-collector run

demo:               ## everything offline against the replay upstream
	$(UV) run paris-collector demo

all: lint typecheck test test-plugins   ## what CI (.ci/run) runs
