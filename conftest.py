# Root conftest: puts the repository root on sys.path so `import bot` works in every test suite.
