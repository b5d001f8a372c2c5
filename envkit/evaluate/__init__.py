"""Evaluation as each field does it, on the held-out test split, at the end of a run and as
`envkit evaluate RUN`: AI-GW parameter errors and waveform overlaps (gw), AI-DES confusion matrix,
ROC/AUC and high-confidence catalogue (classify), ResNet-50 top-1/top-5 (classify), and the training
curves of every run (curves). Figures are drawn with matplotlib (Agg) and written beside metrics.json.

Example:
    >>> # from envkit.evaluate.run import evaluate_run
    >>> # evaluate_run("results/aigw-smoke-20261129-101500")["report"]["overlap"]["mean"]
"""
