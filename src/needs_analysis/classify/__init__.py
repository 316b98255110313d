"""Need classification: features, the model and its head, the sentence encoder, stored and town models."""
