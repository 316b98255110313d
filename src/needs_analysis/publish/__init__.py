"""Turning notebooks into pages and files: papermill in kept kernels, HTML, PDF, the xlsx writer."""
