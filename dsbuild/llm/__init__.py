"""LLM calls: backends, prompts, cache, tasks."""
