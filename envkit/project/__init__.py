"""Your own project: a folder with requirements (requirements.txt, pyproject.toml or environment.yml), an
optional envkit.yaml, and code that is bound into the image at run time.

Data flows one way: project folder -> Project (spec) -> lock (pylock.<site>.toml beside the project) ->
project layer (envkit.recipe.project_layer) -> image -> launch (envkit.launch.project) -> run record.

Example:
    >>> from envkit.project.spec import is_project
    >>> is_project("workloads/aigw")
    False
"""
