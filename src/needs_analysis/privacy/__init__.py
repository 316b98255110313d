"""What may be shown: masking personal data in answers, and the small-count disclosure rule."""
