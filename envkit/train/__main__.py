"""`python -m envkit.train WORKLOAD [options]`: see envkit.train.config for the options.

Example:
    >>> # python -m envkit.train aides --preset smoke --data data/aides --epochs 2
"""

import sys

from envkit.train.runner import main

if __name__ == "__main__":
    sys.exit(main())
