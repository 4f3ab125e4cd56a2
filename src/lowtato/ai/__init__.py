"""AI text generation: ``POST /api/v1/ai/generate`` writes a post for one platform, through the
operator's OpenAI-compatible provider or, without one, the built-in offline generator."""
