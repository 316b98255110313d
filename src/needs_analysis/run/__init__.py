"""``needs-analysis run``: the pipeline that computes a fiscal year, and the jobs that write its reports."""
