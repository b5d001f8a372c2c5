"""Scaling studies: run or submit a series (`envkit scale`), draw the paper's panels (`envkit plot`) and
predict machines we cannot reach (`envkit predict`).

Example:
    >>> from envkit.study.predict import Machine, Work, predict
    >>> predict(Work(100.0, 8, 4e6), Machine(4, 130e9, 12.5e9), 1).efficiency
    1.0
"""
