# Conveniences over scripts/dev.sh (which also works where make is not installed).
.PHONY: run test build release bench
run: ; scripts/dev.sh run
test: ; scripts/dev.sh test
build: ; scripts/dev.sh build
release: ; scripts/dev.sh release
bench: ; scripts/dev.sh bench
