"""Reading the input files once: every row accepted or rejected with its reason."""
