# Shortcuts for the README's commands; the scripts do the work.
.PHONY: run test selftest bundle icons
run:
	./scripts/run-app.sh
test:
	./scripts/run-tests.sh
selftest:
	./scripts/run-app.sh --self-test
bundle:
	./packaging/build_linux.sh
icons:
	.venv/bin/python packaging/render_icon.py
