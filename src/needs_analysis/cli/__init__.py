"""The ``needs-analysis`` command: parse, call one package function, print."""
