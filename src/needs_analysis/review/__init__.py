"""A coordinator's corrections: the review sheet, reading it back, and refitting the town's model."""
