"""LLM annotation tasks: each turns rows into calls and answers back into fields."""
