"""Distillation: verified answers become a curated set, a LoRA student learns it on CPU, is
judged per cluster like a skill, and is exported for llama.cpp and Ollama."""
