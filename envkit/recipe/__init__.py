"""Recipes: the layer model, its Jinja2 rendering, bases, workload specs and the committed goldens."""
